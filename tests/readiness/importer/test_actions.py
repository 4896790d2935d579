"""Action items from TODO/DONE and priority lists (readiness/importer/_actions.py)."""

from readiness.importer import (
    import_document,
)


def test_it_reads_the_todo_and_done_lists_as_action_items(seed):
    items = [(a.title, a.done, a.line) for a in seed.action_items]
    assert items == [
        ("Migration stripeWebhook → west3", True, 368),
        ("Migration createSubscriptionCheckout → west3", True, 369),
        ("Suppression 6 fonctions obsolètes", True, 370),
        ("Correction frontend affiliate → functionsWest2", True, 371),
        ("Build & validation", True, 372),
        (
            "Déployer les 2 fonctions migrées (stripeWebhook, createSubscriptionCheckout)",
            False,
            375,
        ),
        ("Commit + Push (Cloudflare auto-deploy)", False, 376),
        ("Tester en production : Inscription chatter → Vérifier west2", False, 378),
        ("Tester en production : Appel client → Vérifier flux complet", False, 379),
        ("Tester en production : Abonnement → Vérifier stripeWebhook west3", False, 380),
    ]


def test_it_skips_an_empty_item_of_a_priority_list():
    text = (
        '# Review\n\n## Security\n\n```bash\ngrep -r "csrf" src/\n```\n\n'
        "## P1 — next week\n\n- ✅\n- Rotate the webhook secret\n"
    )

    result = import_document(text.encode())

    assert [draft.title for draft in result.action_items] == ["Rotate the webhook secret"]

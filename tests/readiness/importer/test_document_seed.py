"""The seed document, imported both as it reached us (mojibake) and repaired: what comes
out of it, asserted one by one."""

import datetime as dt

from checks.checklist import load_checklist
from readiness.importer import APPROXIMATE, UNTRANSLATED, WARNING
from tests.readiness.importer.conftest import SEED, import_doc

CATEGORIES = [
    ("coherence-regions", "Cohérence régions"),
    ("flux-paiement", "Flux paiement"),
    ("flux-inscription", "Flux inscription"),
    ("flux-appels-twilio", "Flux appels twilio"),
    ("suppression-fonctions-obsoletes", "Suppression fonctions obsolètes"),
    ("deploiement", "Déploiement"),
    ("security", "Security"),
    ("error-handling", "Error Handling"),
    ("monitoring", "Monitoring"),
    ("scalability", "Scalability"),
]

GREP_CHECKS = {
    "functionspayment-pointe-bien-vers-west3": (
        ["sos/src/pages/CallCheckout.tsx"],
        "functionsPayment.*createPaymentIntent",
        False,
    ),
    "functions-pointe-bien-vers-west1-pour-createandschedulecall": (
        ["sos/src/pages/CallCheckout.tsx"],
        "functions.*createAndScheduleCall",
        False,
    ),
    "functionswest2-est-utilise-pour-affiliate": (
        [
            "sos/src/pages/Chatter/ChatterRegister.tsx",
            "sos/src/pages/Blogger/BloggerRegister.tsx",
            "sos/src/pages/GroupAdmin/GroupAdminRegister.tsx",
            "sos/src/components/Influencer/Forms/InfluencerRegisterForm.tsx",
        ],
        "functionsWest2.*register",
        True,
    ),
    "createpaymentintent-en-west3": (
        ["sos/firebase/functions/src/createPaymentIntent.ts"],
        "region.*PAYMENT_FUNCTIONS_REGION",
        False,
    ),
    "stripewebhook-en-west3-migre-aujourd-hui": (
        ["sos/firebase/functions/src/index.ts"],
        "(?:region.*europe-west3).*(?:stripeWebhook)|(?:stripeWebhook).*(?:region.*europe-west3)",
        False,
    ),
    "createsubscriptioncheckout-en-west3-migre-aujourd-hui": (
        ["sos/firebase/functions/src/subscription/checkout.ts"],
        "region.*europe-west3",
        False,
    ),
    "twilio-webhooks-en-west3": (
        [
            "sos/firebase/functions/src/Webhooks/twilioWebhooks.ts",
            "sos/firebase/functions/src/Webhooks/TwilioConferenceWebhook.ts",
        ],
        "region.*CALL_FUNCTIONS_REGION",
        True,
    ),
    "affiliate-functions-en-west2": (
        [
            "sos/firebase/functions/src/chatter/callables/registerChatter.ts",
            "sos/firebase/functions/src/influencer/callables/registerInfluencer.ts",
        ],
        "region.*europe-west2",
        True,
    ),
    "region-reelle-de-registerchatter": (
        ["sos/firebase/functions/src/chatter/callables/registerChatter.ts"],
        "region:",
        False,
    ),
}

MANUAL = {
    "flux-paiement": [
        "createPaymentIntent DOIT être en west3",
        "createAndScheduleCall PEUT être en west1 (API publique, isolée)",
        "Cloud Task execution DOIT être en west3 (proche webhooks)",
        "Twilio webhooks DOIVENT être en west3 (temps réel)",
        "Payment capture DOIT être en west3 (cohérence)",
    ],
    "flux-appels-twilio": [
        "createAndScheduleCall en west1 : OK (isolé du reste)",
        "Tous les webhooks en west3 : OK (cohérence)",
        "Cloud Tasks en west3 : OK (proche des webhooks)",
        "Payment capture dans webhook : OK (synchrone)",
    ],
    "security": [
        "Firebase Auth activé",
        "Phone encryption (ENCRYPTION_KEY)",
        "Stripe webhook signature validation",
        "Twilio webhook signature validation",
        "Rate limiting sur createPaymentIntent",
        "CORS configuré (whitelist)",
        "Secrets via Firebase Secret Manager",
        "BYPASS_SECURITY bloqué en production",
    ],
    "error-handling": [
        "Try/catch dans toutes les fonctions",
        "Dead Letter Queue (subscriptions)",
        "Circuit breaker (Twilio)",
        "Retry logic avec exponential backoff",
        "Error logging (Cloud Logging)",
        "Payment recovery (stuckPaymentsRecovery)",
    ],
    "monitoring": [
        "Production logger",
        "Payment audit logs",
        "Call session tracking",
        "Provider action logs",
        "Daily metrics",
        "Health checks",
    ],
    "scalability": [
        "maxInstances configuré",
        "Concurrency: 1 (payments)",
        "Cloud Tasks (async)",
        "minInstances: 0 (économie)",
        "Monitoring quotas CPU (7-12 / 30 vCPU)",
    ],
}


def checks_of(result):
    return {spec.key: spec for spec in result.checklist.all_checks()}


def test_it_imports_the_mangled_and_the_repaired_seed_to_the_same_result():
    mangled = import_doc("seed-mojibake.md", source_name=SEED)
    repaired = import_doc("seed-repaired.md", source_name=SEED)
    assert mangled.repair.encoding == "mac-roman"
    assert repaired.repair.encoding is None
    assert mangled.checklist_yaml == repaired.checklist_yaml
    assert mangled.checklist == repaired.checklist
    assert mangled.manual_items == repaired.manual_items
    assert mangled.claims == repaired.claims
    assert mangled.points == repaired.points
    assert mangled.action_items == repaired.action_items
    assert [n for n in mangled.notes if n.kind != WARNING] == list(repaired.notes)


def test_it_reads_the_title_and_the_date(seed):
    assert seed.title == "TESTS DE VÉRIFICATION COMPLÈTE - 2026-02-16"
    assert seed.date == dt.date(2026, 2, 16)
    assert seed.author is None
    assert seed.attested_by == SEED


def test_it_produces_a_checklist_that_load_checklist_accepts(seed):
    assert load_checklist(seed.checklist_yaml, filename="seed.yml") == seed.checklist


def test_it_makes_one_category_per_section_and_checklist(seed):
    assert [(c.key, c.name) for c in seed.checklist.categories] == CATEGORIES


def test_it_translates_each_grep_command(seed):
    checks = checks_of(seed)
    greps = {key: spec for key, spec in checks.items() if spec.type == "grep"}
    assert set(greps) == set(GREP_CHECKS)
    for key, (paths, pattern, each_file) in GREP_CHECKS.items():
        spec = greps[key]
        assert spec.options["paths"] == paths, key
        assert spec.options["pattern"] == pattern, key
        assert spec.options["each_file"] is each_file, key
        assert spec.options["expect"] == "present", key
        assert spec.options["ignore_case"] is False, key
    assert {greps[k].category for k in greps} == {"coherence-regions", "flux-inscription"}


def test_it_names_checks_after_their_test_and_describes_them_with_the_expectation(seed):
    spec = checks_of(seed)["functionspayment-pointe-bien-vers-west3"]
    assert spec.name == "Vérifier que functionsPayment pointe bien vers west3"
    assert spec.description.splitlines() == [
        "✅ ATTENDU: functionsPayment (west3)",
        '$ grep -r "functionsPayment.*createPaymentIntent" sos/src/pages/CallCheckout.tsx',
    ]


def test_it_turns_the_deleted_functions_into_one_disabled_command_check(seed):
    spec = checks_of(seed)["les-fonctions-obsoletes-n-existent-plus-en-production"]
    assert spec.type == "command"
    assert spec.category == "suppression-fonctions-obsoletes"
    assert spec.options["enabled"] is False
    assert spec.options["argv"] == [
        "firebase",
        "functions:list",
        "--project",
        "sos-urgently-ac307",
    ]
    names = [
        "twilioWebhook",
        "twilioConferenceWebhook",
        "registerChatter",
        "registerInfluencer",
        "registerBlogger",
        "registerGroupAdmin",
    ]
    assert spec.options["expect"]["stdout_not_matches"] == "|".join(
        f"(?:{name}.*europe-west1)" for name in names
    )
    assert spec.options["expect"]["exit_code"] == 0


def test_it_turns_the_build_into_a_disabled_command_check_in_its_directory(seed):
    spec = checks_of(seed)["npm-run-build"]
    assert spec.type == "command"
    assert spec.category == "deploiement"
    assert spec.options["argv"] == ["npm", "--prefix", "sos/firebase/functions", "run", "build"]
    assert spec.options["enabled"] is False


def test_it_makes_manual_checks_from_the_marked_lists(seed):
    manual = {}
    for spec in seed.checklist.all_checks():
        if spec.type == "manual":
            manual.setdefault(spec.category, []).append(spec.name)
            assert spec.options == {"valid_days": 90, "evidence_required": False}
    assert manual == MANUAL


def test_it_carries_each_marks_status_into_an_attestation(seed):
    statuses = {item.check_key: item.status for item in seed.manual_items}
    assert len(statuses) == 34
    assert statuses.pop("monitoring-quotas-cpu-7-12-30-vcpu") == "warn"
    assert set(statuses.values()) == {"pass"}


def test_it_records_the_claimed_status_of_each_check(seed):
    claimed = {key: status for key, (status, _line) in seed.claims.items()}
    assert len(claimed) == 44
    assert "npm-run-build" not in claimed  # nothing in its section claims a result
    assert claimed["region-reelle-de-registerchatter"] == "pass"  # from "Résultat : ✅"
    assert claimed["monitoring-quotas-cpu-7-12-30-vcpu"] == "warn"
    assert seed.claims["functionspayment-pointe-bien-vers-west3"] == ("pass", 10)


def test_it_reads_the_two_history_points_with_their_category_scores(seed):
    before, after = seed.points
    assert before.date == dt.date(2026, 2, 15)
    assert before.score == 9.2
    assert [(c.key, c.name, c.score) for c in before.categories] == [
        ("architecture", "Architecture", 9.5),
        ("coherence-regions", "Cohérence régions", 8.5),
    ]
    assert before.verdict == ""
    assert after.date == dt.date(2026, 2, 16)
    assert after.score == 9.8
    assert [(c.key, c.name, c.score) for c in after.categories] == [
        ("architecture", "Architecture", 10.0),
        ("security", "Sécurité", 10.0),
        ("error-handling", "Error handling", 9.5),
        ("monitoring", "Monitoring", 9.0),
        ("documentation", "Documentation", 9.0),
        ("coherence-regions", "Cohérence régions", 10.0),
    ]
    assert after.verdict == "ready"


def test_it_keeps_the_claimed_improvements_with_their_deltas(seed):
    after = seed.points[1]
    assert [(i.delta, i.line) for i in after.improvements] == [(0.3, 351), (0.1, 352), (0.2, 353)]
    # The deltas the document claims add up to its own change of score.
    assert round(sum(i.delta for i in after.improvements), 9) == round(
        after.score - seed.points[0].score, 9
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


def test_it_reports_every_untranslated_part_with_its_lines(seed):
    untranslated = [(n.line, n.end_line) for n in seed.notes if n.kind == UNTRANSLATED]
    assert untranslated == [
        (24, 24),  # Résultat : ✅ COHÉRENT (the section's checks have their own claims)
        (54, 54),
        (62, 111),  # typescript flow simulation
        (120, 120),
        (128, 141),  # typescript: registerChatter
        (151, 162),  # typescript: onProviderCreated
        (172, 213),  # box diagram
        (221, 221),
        (241, 241),
        (249, 251),  # "Fonctions modifiées aujourd'hui" with its list
        (256, 256),  # rm -rf lib
        (258, 258),  # firebase deploy
        (263, 273),  # "Fichiers modifiés" and "Déploiement", with their lists
        (322, 338),  # the summary table of claimed results
        (383, 385),  # the MONITORING recommendations
    ]
    reasons = {n.line: str(n.message) for n in seed.notes}
    assert "diagram" in reasons[172]
    assert "procedure step" in reasons[256]
    assert "deploy" in reasons[258]
    assert "summary table" in reasons[322]


def test_it_says_which_translations_are_approximate(seed):
    approximate = {n.line: str(n.message) for n in seed.notes if n.kind == APPROXIMATE}
    assert set(approximate) == {36, 146}
    assert "both greps" in approximate[36]
    assert "no expected result" in approximate[146]


def test_it_counts_what_it_created(seed):
    assert seed.counts() == {
        "categories": 10,
        "checks": 45,
        "automated_checks": 11,
        "manual_checks": 34,
        "attestations": 34,
        "history_points": 2,
        "category_scores": 8,
        "action_items": 5,
        "done_items": 5,
        "untranslated": 15,
        "approximate": 2,
        "warnings": len([n for n in seed.notes if n.kind == WARNING]),
    }
    assert seed.checks_by_type() == {"grep": 9, "command": 2, "manual": 34}

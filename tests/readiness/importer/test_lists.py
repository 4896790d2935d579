"""Marked lists → manual checks and their claimed status (readiness/importer/_lists.py)."""

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

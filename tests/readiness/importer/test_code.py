"""Code blocks → checks and notes (readiness/importer/_code.py)."""

from readiness.importer import (
    APPROXIMATE,
)
from tests.readiness.importer.conftest import checks_of

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


def test_it_turns_the_build_into_a_disabled_command_check_in_its_directory(seed):
    spec = checks_of(seed)["npm-run-build"]
    assert spec.type == "command"
    assert spec.category == "deploiement"
    assert spec.options["argv"] == ["npm", "--prefix", "sos/firebase/functions", "run", "build"]
    assert spec.options["enabled"] is False


def test_it_says_which_translations_are_approximate(seed):
    approximate = {n.line: str(n.message) for n in seed.notes if n.kind == APPROXIMATE}
    assert set(approximate) == {36, 146}
    assert "both greps" in approximate[36]
    assert "no expected result" in approximate[146]

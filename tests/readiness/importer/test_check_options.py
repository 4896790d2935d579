"""Check options from command plans (readiness/importer/_check_options.py)."""

from tests.readiness.importer.conftest import checks_of


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

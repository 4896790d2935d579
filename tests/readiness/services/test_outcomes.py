"""The engine's context as this deployment configures it: command checks confined by the
settings, the product's own files hidden from them."""

import pytest
from django.conf import settings

from checks.command import COMMAND, run_command
from checks.sandbox import BUBBLEWRAP, NONE
from checks.spec import CheckSpec, Status
from readiness.services.outcomes import run_context


def command(argv: list[str]) -> CheckSpec:
    return CheckSpec(key="c", name="C", type="command", category="ops", options={"argv": argv})


def run(argv: list[str], repo):
    spec = command(argv)
    return run_command(spec, COMMAND.typed(spec.options), run_context(repo))


@pytest.fixture(autouse=True)
def allow_commands(settings):
    settings.READINESS_ALLOW_COMMANDS = True


def test_it_hides_the_data_folder_from_a_command_assessing_this_checkout(settings, tmp_path):
    # A checkout assessing itself, with its data folder inside (the embedded default).
    checkout = tmp_path / "checkout"
    (checkout / "var").mkdir(parents=True)
    (checkout / "manage.py").write_text("# the product's entry point\n")
    secret_key = checkout / "var" / "secret-key"
    secret_key.write_text("s3cr3t-of-the-deployment\n")
    settings.BASE_DIR = checkout
    settings.DATA_DIR = checkout / "var"
    script = "ls -A var; cat var/secret-key; cat " + str(secret_key) + "; cat manage.py"

    outcome = run(["sh", "-c", script], checkout)

    assert outcome.details["sandbox"] == BUBBLEWRAP
    assert outcome.details["stdout_excerpt"] == "# the product's entry point\n"
    assert "s3cr3t" not in outcome.details["stderr_excerpt"]
    assert outcome.details["stderr_excerpt"].count("No such file or directory") == 2


def test_it_hides_the_database_and_the_git_cache_from_other_repositories(tmp_path):
    script = f"ls {settings.DATA_DIR} {settings.READINESS_GIT_CACHE_DIR} {settings.BASE_DIR}"

    outcome = run(["sh", "-c", script], tmp_path)

    assert outcome.status == Status.FAIL
    assert outcome.details["stdout_excerpt"] == ""


def test_it_runs_commands_without_a_sandbox_when_configured_so(settings, tmp_path):
    settings.READINESS_COMMAND_SANDBOX = NONE

    outcome = run(["cat", str(settings.BASE_DIR / "manage.py")], tmp_path)

    assert outcome.status == Status.PASS
    assert outcome.details["sandbox"] == NONE


def test_it_passes_the_limits_of_the_settings(settings, tmp_path):
    settings.READINESS_COMMAND_MEMORY_MB = 300
    settings.READINESS_COMMAND_MAX_PROCESSES = 40

    limits = run(["true"], tmp_path).details["limits"]

    assert limits["memory_mb_per_process"] == 300
    assert limits["processes"] in (40, None)  # None: a root worker with no cgroup to spare

import ctypes
import datetime as dt
import sys
import textwrap
import time
from pathlib import Path

import pytest

from checks.command import (
    COMMAND,
    DISABLED_IN_CHECKLIST,
    DISABLED_ON_DEPLOYMENT,
    EXCERPT_CHARS,
    MAX_OUTPUT_BYTES,
    run_command,
)
from checks.sandbox import BUBBLEWRAP, NONE, REPOSITORY, Sandbox
from checks.spec import CheckSpec, Outcome, RunContext, Status
from tests.checks.checklists import one_check, problems_of

NOW = dt.datetime(2026, 2, 16, 12, tzinfo=dt.UTC)


def run(spec: CheckSpec, ctx: RunContext) -> Outcome:
    return run_command(spec, COMMAND.typed(spec.options), ctx)


def spec(argv, *, timeout_s=60.0, enabled=True, network=False, **expect):
    return CheckSpec(
        key="tests-pass",
        name="Tests pass",
        type="command",
        category="ops",
        options={
            "argv": argv,
            "timeout_s": timeout_s,
            "expect": {
                "exit_code": 0,
                "stdout_matches": None,
                "stdout_not_matches": None,
                "stdout_empty": None,
                **expect,
            },
            "network": network,
            "enabled": enabled,
        },
    )


def python(code: str) -> list[str]:
    """The system's Python, as a checklist names it: the sandbox shows the system's
    programs on its PATH, not this test run's virtual environment."""
    return ["python3", "-c", textwrap.dedent(code)]


@pytest.fixture
def ctx(tmp_path) -> RunContext:
    """Commands as a deployment runs them by default: in the bubblewrap sandbox."""
    return RunContext(repo=tmp_path, now=NOW, allow_commands=True)


@pytest.fixture
def unsandboxed(tmp_path) -> RunContext:
    """READINESS_COMMAND_SANDBOX=none: a process group of the worker's user."""
    return RunContext(repo=tmp_path, now=NOW, allow_commands=True, sandbox=Sandbox(kind=NONE))


@pytest.fixture(params=[BUBBLEWRAP, NONE])
def either(request, tmp_path) -> RunContext:
    """Each way of running commands, for what they do alike."""
    sandbox = Sandbox(kind=request.param)
    return RunContext(repo=tmp_path, now=NOW, allow_commands=True, sandbox=sandbox)


def alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie waiting for its parent to reap it is dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_dead(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_it_passes_when_exit_code_and_output_match(ctx):
    outcome = run(
        spec(
            python("print('collected 12 items'); print('12 passed')"), stdout_matches=r"\d+ passed"
        ),
        ctx,
    )
    assert outcome.status == Status.PASS
    assert outcome.details["exit_code"] == 0
    assert "12 passed" in outcome.details["stdout_excerpt"]
    assert any("stdout line 2: 12 passed" in e.text for e in outcome.evidence)


def test_it_fails_on_an_unexpected_exit_code_and_keeps_stderr(ctx):
    outcome = run(spec(python("import sys; sys.stderr.write('boom\\n'); sys.exit(3)")), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "exit code 3, expected 0"
    assert outcome.details["stderr_excerpt"] == "boom\n"
    assert any("boom" in e.text for e in outcome.evidence)


def test_it_passes_on_the_expected_non_zero_exit_code(ctx):
    outcome = run(spec(python("raise SystemExit(1)"), exit_code=1), ctx)
    assert outcome.status == Status.PASS


def test_it_fails_when_stdout_does_not_match(ctx):
    outcome = run(spec(python("print('3 failed')"), stdout_matches=r"\b0 failed"), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "stdout does not match '\\\\b0 failed'"


def test_it_fails_when_stdout_matches_a_forbidden_pattern(ctx):
    outcome = run(
        spec(python("print('ok'); print('WARNING: debug on')"), stdout_not_matches="(?i)warning"),
        ctx,
    )
    assert outcome.status == Status.FAIL
    assert "stdout matches" in outcome.summary
    assert any("stdout line 2: WARNING: debug on" in e.text for e in outcome.evidence)


@pytest.mark.parametrize(
    ("code", "stdout_empty", "status"),
    [
        ("print('  ')", True, Status.PASS),
        ("print('leftover')", True, Status.FAIL),
        ("print('something')", False, Status.PASS),
        ("pass", False, Status.FAIL),
    ],
)
def test_it_checks_whether_stdout_is_empty(ctx, code, stdout_empty, status):
    assert run(spec(python(code), stdout_empty=stdout_empty), ctx).status == status


def test_it_runs_in_the_repository_root_which_the_sandbox_shows_at_a_fixed_path(ctx):
    (ctx.repo / "marker.txt").write_text("here\n")
    outcome = run(spec(python("import os; print(os.getcwd(), os.listdir('.'))")), ctx)
    assert outcome.details["stdout_excerpt"] == f"{REPOSITORY} ['marker.txt']\n"


def test_it_runs_in_the_repository_itself_without_a_sandbox(unsandboxed):
    outcome = run(spec(python("import os; print(os.getcwd())")), unsandboxed)
    assert outcome.details["stdout_excerpt"].strip() == str(unsandboxed.repo.resolve())


def test_it_says_how_the_command_was_confined(ctx, unsandboxed):
    sandboxed = run(spec(["true"]), ctx).details
    assert sandboxed["sandbox"] == BUBBLEWRAP
    assert sandboxed["network"] is False
    assert sandboxed["limits"]["memory_mb_per_process"] == Sandbox().memory_mb
    assert run(spec(["true"]), unsandboxed).details["sandbox"] == NONE


def test_it_runs_a_script_of_the_repository_by_relative_path(either):
    script = either.repo / "check.sh"
    script.write_text("#!/bin/sh\necho from-the-repo\n")
    script.chmod(0o755)
    outcome = run(spec(["./check.sh"], stdout_matches="from-the-repo"), either)
    assert outcome.status == Status.PASS


def test_it_passes_arguments_without_a_shell(unsandboxed):
    # Without a sandbox the repository is writable: a shell would have made these files.
    argument = "$(touch pwned); `touch pwned2` && echo hi > pwned3"
    outcome = run(spec([*python("import sys; print(sys.argv[1])"), argument]), unsandboxed)
    assert outcome.details["stdout_excerpt"] == argument + "\n"
    assert list(unsandboxed.repo.iterdir()) == []


def test_it_gives_the_command_no_stdin(either):
    outcome = run(spec(python("import sys; print(repr(sys.stdin.read()))"), timeout_s=10), either)
    assert outcome.status == Status.PASS
    assert outcome.details["stdout_excerpt"] == "''\n"


def test_it_keeps_the_server_secrets_out_of_the_environment(either, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/x")
    code = "import os; print(os.environ.get('SECRET_KEY'), os.environ.get('DATABASE_URL'))"
    outcome = run(spec(python(code)), either)
    assert outcome.details["stdout_excerpt"] == "None None\n"


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_DUMPABLE is Linux's")
def test_it_hides_the_parents_proc_entries_from_commands_of_the_same_user(unsandboxed):
    run(spec(python("print('ok')")), unsandboxed)

    libc = ctypes.CDLL(None)
    assert libc.prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE: /proc/<pid> owned by root


def test_it_fails_on_timeout_and_kills_the_whole_process_group(unsandboxed):
    ctx = unsandboxed
    code = """
        import subprocess, sys, time
        child = subprocess.Popen(["sleep", "60"])
        open("child.pid", "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(60)
    """
    started = time.monotonic()
    outcome = run(spec(python(code), timeout_s=1.0), ctx)
    assert time.monotonic() - started < 10
    assert outcome.status == Status.FAIL
    assert outcome.summary == "timed out after 1s"
    assert outcome.details["timed_out"] is True
    assert outcome.details["exit_code"] is None
    assert outcome.details["stdout_excerpt"] == "started\n"
    assert wait_dead(int((ctx.repo / "child.pid").read_text()))


def test_it_kills_what_the_command_leaves_running_after_it_exits(unsandboxed):
    ctx = unsandboxed
    code = """
        import subprocess, sys
        child = subprocess.Popen(["sleep", "60"])
        open("child.pid", "w").write(str(child.pid))
        print("done")
    """
    started = time.monotonic()
    outcome = run(spec(python(code), timeout_s=30.0), ctx)
    assert time.monotonic() - started < 10
    assert outcome.status == Status.PASS
    assert wait_dead(int((ctx.repo / "child.pid").read_text()))


def test_it_keeps_a_bounded_part_of_a_huge_output(ctx):
    code = "import sys; sys.stdout.write('x' * 3_000_000); sys.stderr.write('y' * 3_000_000)"
    outcome = run(spec(python(code), timeout_s=30.0), ctx)
    assert outcome.status == Status.PASS
    assert outcome.details["stdout_bytes"] == 3_000_000
    assert outcome.details["stdout_truncated"] is True
    assert outcome.details["stderr_truncated"] is True
    assert len(outcome.details["stdout_excerpt"]) == EXCERPT_CHARS
    assert MAX_OUTPUT_BYTES < 3_000_000


def test_it_finds_a_pattern_at_the_end_of_a_huge_output(ctx):
    code = "import sys; sys.stdout.write('x' * 500_000 + '\\n1234 passed in 9.1s\\n')"
    outcome = run(spec(python(code), timeout_s=30.0, stdout_matches=r"\d+ passed"), ctx)
    assert outcome.status == Status.PASS
    assert outcome.details["stdout_excerpt"].endswith("1234 passed in 9.1s\n")
    assert any(e.text == "stdout (end): 1234 passed in 9.1s" for e in outcome.evidence)


def test_it_errs_when_a_pattern_cannot_be_ruled_out_in_a_truncated_output(ctx):
    code = "import sys; sys.stdout.write('x' * 200_000 + ' ERROR ' + 'x' * 200_000)"
    outcome = run(spec(python(code), timeout_s=30.0, stdout_not_matches="ERROR"), ctx)
    assert outcome.status == Status.ERROR
    assert "cannot tell whether 'ERROR' appears in between" in outcome.summary


def test_it_fails_a_truncated_output_on_a_wrong_exit_code_even_if_unsure(ctx):
    code = "import sys; sys.stdout.write('x' * 200_000); sys.exit(2)"
    outcome = run(spec(python(code), timeout_s=30.0, stdout_not_matches="ERROR"), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "exit code 2, expected 0"


def test_it_fails_when_the_command_is_killed_by_a_signal(unsandboxed):
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    outcome = run(spec(python(code)), unsandboxed)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "killed by signal 15"


def test_it_gives_a_killed_command_the_shells_exit_code_in_the_sandbox(ctx):
    # bubblewrap passes on 128 + the signal, as a shell does: the signal itself is lost.
    outcome = run(spec(python("import os, signal; os.kill(os.getpid(), signal.SIGTERM)")), ctx)
    assert outcome.status == Status.FAIL
    assert outcome.summary == "exit code 143, expected 0"


def test_it_errs_when_the_executable_does_not_exist(either):
    outcome = run(spec(["no-such-program-anywhere", "--version"]), either)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "executable not found: no-such-program-anywhere"


def test_it_errs_when_the_file_is_not_executable(either):
    (either.repo / "script.sh").write_text("echo hi\n")
    outcome = run(spec(["./script.sh"]), either)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "not executable: ./script.sh"


def test_it_errs_when_a_program_is_not_in_the_sandbox(ctx, tmp_path_factory):
    # A program outside the system's folders (e.g. this test run's virtual environment)
    # does not exist in the sandbox.
    outside = tmp_path_factory.mktemp("tools") / "tool"
    outside.write_text("#!/bin/sh\necho hi\n")
    outside.chmod(0o755)
    outcome = run(spec([str(outside)]), ctx)
    assert outcome.status == Status.ERROR
    assert outcome.summary == f"executable not found: {outside}"


def test_it_skips_when_the_deployment_does_not_allow_commands(tmp_path):
    ctx = RunContext(repo=tmp_path, now=NOW, allow_commands=False)
    outcome = run(spec(python("open('ran', 'w')")), ctx)
    assert outcome.status == Status.SKIP
    assert outcome.summary == DISABLED_ON_DEPLOYMENT
    assert not (tmp_path / "ran").exists()


def test_it_skips_when_the_checklist_disables_it(ctx):
    outcome = run(spec(python("open('ran', 'w')"), enabled=False), ctx)
    assert outcome.status == Status.SKIP
    assert outcome.summary == DISABLED_IN_CHECKLIST
    assert not (ctx.repo / "ran").exists()


# Its fields, as the checklist loader reads them


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: command\nargv: make check", "argv", '["make", "check"]'),
        ("type: command\nargv: []", "argv", "at least 1 argument"),
        ('type: command\nargv: [sh, "a\\0b"]', "argv[1]", "NUL character"),
        ("type: command\nargv: [make]\ntimeout_s: 0", "timeout_s", "at least 1"),
        ("type: command\nargv: [make]\ntimeout_s: 7200", "timeout_s", "at most 3600"),
        ("type: command\nargv: [make]\nexpect: {exit_code: 256}", "expect.exit_code", "0..255"),
        ("type: command\nargv: [make]\nexpect: {stdout: x}", "expect.stdout", "unknown"),
        ("type: command\nargv: [make]\nenabled: maybe", "enabled", "true or false"),
        ("type: command\nargv: [make]\nnetwork: 1", "network", "true or false"),
    ],
)
def test_it_validates_its_fields_when_loaded(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message

"""Command checks in the bubblewrap sandbox: nothing they start outlives them, they see
only the repository (read-only), the system's programs and a private /tmp, no network
unless asked, and limits hold. Escapes are the ones found when hardening (issue 11)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from checks.command import COMMAND, run_command
from checks.sandbox import NONE, Sandbox, command_start, sandbox_problem
from checks.spec import Outcome, RunContext, Status
from tests.checks.test_command import NOW, python, spec


def run(options: dict, ctx: RunContext) -> Outcome:
    check = spec(**options)
    return run_command(check, COMMAND.typed(check.options), ctx)


def in_sandbox(repo: Path, **sandbox) -> RunContext:
    return RunContext(repo=repo, now=NOW, allow_commands=True, sandbox=Sandbox(**sandbox))


def processes_with(argument: str) -> list[int]:
    """Live processes of this machine with `argument` among their arguments."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argument.encode() in arguments:
            found.append(int(entry.name))
    return found


# Each escape waits, inside the sandbox, until what it left behind runs (its argument is
# built so that the waiting command's own arguments do not match), and says "started".
WAIT_FOR = 'until grep -qs "{pattern}" /proc/[0-9]*/cmdline; do sleep 0.05; done; echo started'


def test_it_leaves_nothing_from_setsid_f_after_the_command_exits(tmp_path):
    script = "n=1001; setsid -f sleep $n.1 >/dev/null 2>&1; " + WAIT_FOR.format(
        pattern="100[1][.]1"
    )
    outcome = run({"argv": ["sh", "-c", script], "timeout_s": 20}, in_sandbox(tmp_path))

    assert (outcome.status, outcome.details["stdout_excerpt"]) == (Status.PASS, "started\n")
    assert processes_with("1001.1") == []


def test_it_leaves_nothing_from_a_setsid_subshell_after_the_timeout(tmp_path):
    script = "n=1003; (setsid sleep $n.3 &); " + WAIT_FOR.format(pattern="100[3][.]3")
    outcome = run(
        {"argv": ["sh", "-c", f"{script}; sleep $n.4"], "timeout_s": 2}, in_sandbox(tmp_path)
    )

    assert outcome.summary == "timed out after 2s"
    assert outcome.details["stdout_excerpt"] == "started\n"
    assert processes_with("1003.3") == processes_with("1003.4") == []


def test_it_leaves_nothing_from_a_double_fork_with_setsid_after_the_timeout(tmp_path):
    code = """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "1005.5"])
            os._exit(0)
        wanted = ("100" + "5.5").encode()
        def running():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if wanted in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0"):
                        return True
                except OSError:
                    pass
        while not running():
            time.sleep(0.05)
        print("started", flush=True)
        time.sleep(60)
    """
    started = time.monotonic()
    outcome = run({"argv": python(code), "timeout_s": 2}, in_sandbox(tmp_path))

    assert time.monotonic() - started < 15
    assert outcome.summary == "timed out after 2s"
    assert outcome.details["stdout_excerpt"] == "started\n"
    assert processes_with("1005.5") == []


def test_it_shows_the_repository_read_only(tmp_path):
    (tmp_path / "kept.txt").write_text("original\n")
    script = "echo changed > kept.txt; touch new.txt; cat kept.txt"
    outcome = run({"argv": ["sh", "-c", script]}, in_sandbox(tmp_path))

    assert outcome.details["stdout_excerpt"] == "original\n"
    assert "Read-only file system" in outcome.details["stderr_excerpt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]
    assert (tmp_path / "kept.txt").read_text() == "original\n"


def test_it_gives_the_command_a_private_tmp(tmp_path):
    name = f"readiness-sandbox-test-{os.getpid()}"
    host_file = Path(tempfile.gettempdir(), f"{name}-host")
    host_file.write_text("the worker's\n")
    try:
        script = f"echo mine > /tmp/{name}; cat /tmp/{name}; ls /tmp"
        outcome = run({"argv": ["sh", "-c", script]}, in_sandbox(tmp_path))
    finally:
        host_file.unlink()

    assert outcome.status == Status.PASS
    assert outcome.details["stdout_excerpt"] == f"mine\n{name}\n"
    assert not Path(tempfile.gettempdir(), name).exists()


def test_it_hides_the_products_files_inside_the_repository(tmp_path):
    # A checkout assessing itself: its data folder, with the secret key, the database and
    # the git cache of other projects, lies inside the repository.
    data = tmp_path / "var"
    (data / "git-cache" / "other-project").mkdir(parents=True)
    (data / "git-cache" / "other-project" / "token").write_text("other team's\n")
    (data / "secret-key").write_text("s3cret\n")
    (data / "readiness.sqlite3").write_text("SQLite format 3\n")
    (tmp_path / "manage.py").write_text("# the product's code\n")
    private = (tmp_path, data, data / "git-cache", data / "secret-key", data / "readiness.sqlite3")
    script = (
        "ls -A var; cat var/secret-key var/readiness.sqlite3 var/git-cache/*/token; cat manage.py"
    )
    outcome = run({"argv": ["sh", "-c", script]}, in_sandbox(tmp_path, private=private))

    assert outcome.details["stdout_excerpt"] == "# the product's code\n"
    assert "s3cret" not in outcome.details["stderr_excerpt"]
    assert "No such file or directory" in outcome.details["stderr_excerpt"]


def test_it_shows_nothing_of_the_machine_outside_the_repository(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("s3cret\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    here = Path(__file__).resolve()
    script = f"cat {secret} {here} /etc/shadow; ls /root /home /var /run /sys"
    outcome = run({"argv": ["sh", "-c", script]}, in_sandbox(repo))

    assert outcome.status == Status.FAIL
    assert outcome.details["stdout_excerpt"] == "/var:\ntmp\n"  # only the link /var/tmp
    stderr = outcome.details["stderr_excerpt"]
    for missing in (str(secret), str(here), "/etc/shadow"):
        assert f"cat: {missing}: No such file or directory" in stderr
    for missing in ("/root", "/home", "/run", "/sys"):
        assert f"ls: cannot access '{missing}': No such file or directory" in stderr


def test_it_shows_the_system_tools_a_checklist_uses(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
        ],
        check=True,
    )
    script = "git log --format=%s; python3 -c 'print(6 * 7)'; id -un"
    outcome = run({"argv": ["sh", "-c", script]}, in_sandbox(tmp_path))

    assert outcome.status == Status.PASS
    assert outcome.details["stdout_excerpt"] == "first\n42\nsandbox\n"


@pytest.fixture
def listener():
    """A server on this machine's loopback that accepts connections: its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


CONNECT = """
    import socket, sys
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
        print("connected")
    except OSError as exc:
        print(type(exc).__name__)
"""


def test_it_gives_the_command_no_network_by_default(tmp_path, listener):
    outcome = run({"argv": [*python(CONNECT), str(listener)]}, in_sandbox(tmp_path))

    assert outcome.details["network"] is False
    assert outcome.details["stdout_excerpt"] == "ConnectionRefusedError\n"


def test_it_gives_the_network_to_a_check_that_asks_for_it(tmp_path, listener):
    options = {"argv": [*python(CONNECT), str(listener)], "network": True}
    outcome = run(options, in_sandbox(tmp_path))

    assert outcome.details["network"] is True
    assert outcome.details["stdout_excerpt"] == "connected\n"


def test_it_makes_a_large_allocation_fail(tmp_path):
    code = "bytearray(1024 * 1024 * 1024)"
    outcome = run({"argv": python(code)}, in_sandbox(tmp_path, memory_mb=256))

    assert outcome.summary == "exit code 1, expected 0"
    assert outcome.details["stderr_excerpt"].endswith("MemoryError\n")


FORK_BOMB = """
    import os, time
    started = 0
    try:
        for _ in range(300):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            started += 1
    except OSError as exc:
        print("stopped after", started, exc.strerror)
"""


def test_it_caps_the_number_of_processes(tmp_path):
    outcome = run({"argv": python(FORK_BOMB)}, in_sandbox(tmp_path, max_processes=32))

    if outcome.details["limits"]["processes"] is None:
        pytest.skip("a root worker with no cgroup to spare has no process cap")
    assert outcome.details["stdout_excerpt"].startswith("stopped after ")
    started = int(outcome.details["stdout_excerpt"].split()[2])
    assert 0 < started < 32


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to run the worker as another user")
def test_it_caps_the_processes_of_a_worker_that_is_not_root(tmp_path):
    """RLIMIT_NPROC, counted in the sandbox's own user namespace: other processes of the
    worker's user do not use up the command's allowance."""
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no system Python to run as another user")
    place = Path(tempfile.mkdtemp(prefix="readiness-sandbox-nobody-"))
    try:
        place.chmod(0o755)
        shutil.copytree(Path(sys.modules["checks"].__file__).parent, place / "checks")
        (place / "repo").mkdir()
        (place / "worker.py").write_text(
            textwrap.dedent(f"""
                import subprocess, sys
                from pathlib import Path
                sys.path.insert(0, {str(place)!r})
                from checks.sandbox import Sandbox, command_start, sandbox_problem
                others = [subprocess.Popen(["sleep", "30"]) for _ in range(40)]
                sandbox = Sandbox(max_processes=32)
                assert sandbox_problem(sandbox) is None, sandbox_problem(sandbox)
                running = command_start(
                    sandbox, ["python3", "-c", {textwrap.dedent(FORK_BOMB)!r}],
                    Path({str(place / "repo")!r}), network=False,
                )
                out, _ = running.process.communicate(timeout=30)
                running.stop()
                for other in others:
                    other.kill()
                print(out.decode().strip(), running.details()["limits"]["processes"])
            """)
        )
        worker = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                system_python,
                str(place / "worker.py"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        shutil.rmtree(place)

    assert worker.returncode == 0, worker.stderr
    words = worker.stdout.split()
    assert words[:2] == ["stopped", "after"] and words[-1] == "32"
    assert 0 < int(words[2]) < 32


def test_it_caps_the_memory_of_the_whole_command_where_it_can_make_a_cgroup(tmp_path):
    # Four processes of 100 MiB each: within the limit of each, over the limit of all. The
    # OOM killer picks which ones die (the first process or another), so count survivors.
    code = """
        import os, time
        children = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                children = []
                break
            children.append(pid)
        block = bytearray(100 * 1024 * 1024)
        time.sleep(2)
        print("alive", flush=True)
        for pid in children:
            os.waitpid(pid, 0)
    """
    outcome = run({"argv": python(code)}, in_sandbox(tmp_path, memory_mb=256))

    if outcome.details["limits"]["memory_mb"] is None:
        pytest.skip("this worker may make no memory cgroup")
    assert outcome.details["stdout_excerpt"].count("alive") <= 2


def test_it_errs_with_the_remedy_when_bubblewrap_is_missing(tmp_path):
    ctx = in_sandbox(tmp_path, bwrap=str(tmp_path / "no-bwrap-here"))
    outcome = run({"argv": ["sh", "-c", "echo ran > /dev/null"]}, ctx)

    assert outcome.status == Status.ERROR
    assert outcome.summary == (
        "command checks run in a bubblewrap sandbox, which cannot run here: "
        f"{tmp_path / 'no-bwrap-here'} was not found. Install bubblewrap (Debian package "
        "bubblewrap) where the workers run, or set READINESS_COMMAND_SANDBOX=none to run "
        "commands without a sandbox"
    )


def test_it_errs_with_bubblewraps_reason_when_a_trial_sandbox_fails(tmp_path):
    # What bwrap says where user namespaces are off.
    fake = tmp_path / "bwrap"
    fake.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    outcome = run({"argv": ["true"]}, in_sandbox(tmp_path, bwrap=str(fake)))

    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith(
        "command checks run in a bubblewrap sandbox, which cannot run here: a trial sandbox "
        "failed: bwrap: No permissions to creating new namespace. Install bubblewrap"
    )
    assert sandbox_problem(Sandbox(bwrap=str(fake))) is not None  # remembered, not re-tried


def test_it_runs_commands_without_a_sandbox_when_the_administrator_says_none(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("the worker's file\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    ctx = in_sandbox(repo, kind=NONE, bwrap=str(tmp_path / "no-bwrap-here"))
    outcome = run({"argv": ["sh", "-c", f"cat {outside}; touch made-here"]}, ctx)

    assert outcome.status == Status.PASS
    assert outcome.details["sandbox"] == NONE
    assert outcome.details["stdout_excerpt"] == "the worker's file\n"
    assert (repo / "made-here").exists()


def test_it_hands_no_descriptor_of_the_worker_to_the_command(tmp_path):
    """No descriptor of the worker reaches the command; only its three standard streams."""
    running = command_start(Sandbox(), ["ls", "/proc/self/fd"], tmp_path, network=False)
    out, _ = running.process.communicate(timeout=20)
    running.stop()

    assert out.decode().split() == ["0", "1", "2", "3"]  # 3: ls's own listing

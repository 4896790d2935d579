"""How a `command` check's process is started, confined and ended.

With bubblewrap (READINESS_COMMAND_SANDBOX=bubblewrap, the default) the command runs in
namespaces of its own: its own PID namespace, so every process it starts dies with it
(`setsid` and double forks included: when the namespace's first process dies, the kernel
kills the rest); a user namespace where it holds no capability and cannot make another;
its own IPC and UTS namespaces, and its own network namespace (only a loopback of its
own) unless the check says `network: true`. It sees a filesystem of its own: the system's
programs and libraries read-only (/usr and the /bin, /lib... links), a few files of /etc
that programs need (no host account, no key), the repository read-only at /repo (its
working directory), a private /tmp, and nothing else of the machine: not the product's
code, data folder, secret key, database or git cache (hidden even when they lie inside the
repository), not the worker's environment. Each of its processes may map at most
`memory_mb` of private memory (RLIMIT_DATA: Java's and V8's large reservations still
work); where the worker may make a cgroup, the command as a whole is capped at
`memory_mb` and `max_processes` tasks; otherwise `max_processes` holds through
RLIMIT_NPROC, which Linux applies to every user but root: a worker running as root with
no cgroup to spare has no process cap, only the timeout.

Where bubblewrap cannot run (not installed, or no user namespaces), command checks are
`error` with the reason, never run unsandboxed, unless the administrator chose
READINESS_COMMAND_SANDBOX=none: then the command is a plain process group, as before the
sandbox (it can read what the worker's user can read).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.cgroups import MEMORY, PROCESSES, CommandCgroup, cgroup_create
from checks.messages import Message, gettext_noop, message

BUBBLEWRAP = "bubblewrap"
NONE = "none"
SANDBOX_KINDS = (BUBBLEWRAP, NONE)

REPOSITORY = "/repo"  # where the repository is in the sandbox, and the working directory
SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHM_BYTES = 64 * 1024 * 1024  # /dev/shm, as Docker sizes it
_UID = _GID = "1000"  # the command's user and group in its namespace
_PASSWD = (
    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
    "sandbox:x:1000:1000:readiness command:/tmp:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
_GROUP = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n"
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What of /etc programs need: the dynamic linker, the /usr/bin/* alternatives, names and
# time zones, certificates (not private keys), Debian's Python and Java configuration.
_ETC = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "nsswitch.conf",
    "host.conf",
    "hosts",
    "resolv.conf",
    "gai.conf",
    "services",
    "protocols",
    "ssl/certs",
    "ssl/openssl.cnf",
    "ca-certificates",
    "ca-certificates.conf",
    "localtime",
    "timezone",
    "locale.alias",
    "mime.types",
    "os-release",
    "debian_version",
    "python3*",
    "java-*",
)
_ENV_PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
_LOCALE_PASSED = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")
_HANDSHAKE_S = 10.0  # bubblewrap's setup, before the command starts
_TEARDOWN_S = 5.0  # the kernel emptying the namespace once its first process is killed
_PROBE_S = 20.0
_EXEC_FAILED = re.compile(r"^bwrap: execvp (?P<program>.*): (?P<problem>[^:]*)$")

SANDBOX_UNAVAILABLE = gettext_noop(
    "command checks run in a bubblewrap sandbox, which cannot run here: %(problem)s. "
    "Install bubblewrap (Debian package bubblewrap) where the workers run, or set "
    "READINESS_COMMAND_SANDBOX=none to run commands without a sandbox"
)
BWRAP_NOT_FOUND = gettext_noop("%(program)s was not found")
TRIAL_FAILED = gettext_noop("a trial sandbox failed: %(problem)s")
NOT_FOUND = gettext_noop("executable not found: %(program)s")
NOT_EXECUTABLE = gettext_noop("not executable: %(program)s")
COULD_NOT_START = gettext_noop("could not start %(program)s: %(problem)s")
SANDBOX_FAILED = gettext_noop("the sandbox could not start the command: %(problem)s")


@dataclass(frozen=True, kw_only=True)
class Sandbox:
    """How this deployment confines command checks. `private`: the product's own folders
    and files (data folder, database, secret key, git cache, code), hidden from a command
    whose repository holds them, e.g. a checkout assessing itself with var/ inside."""

    kind: str = BUBBLEWRAP
    bwrap: str = "bwrap"
    memory_mb: int = 2048
    max_processes: int = 512
    private: tuple[Path, ...] = ()


class StartError(Exception):
    """The command could not be started; `problem` says why."""

    def __init__(self, problem: Message) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Running:
    """A started command: its process, whose stdout and stderr are pipes."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    def has_exited(self) -> bool:
        """Whether the command has exited, without reaping it (WNOWAIT), so that its pid
        stays its own until `stop`."""
        try:
            return (
                os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                is not None
            )
        except ChildProcessError:  # reaped by someone else, e.g. a SIGCHLD handler
            return True

    def stop(self) -> None:
        """Kills the command and everything it started, and waits until they are gone."""
        raise NotImplementedError

    def start_problem(self, stderr: str) -> Message | None:
        """After `stop`: why the command never ran, if it did not."""
        return None

    def details(self) -> dict[str, Any]:
        """What confined the command, for the result's details."""
        raise NotImplementedError


def sandbox_problem(sandbox: Sandbox) -> Message | None:
    """Why command checks cannot run with `sandbox` on this machine; None when they can.
    Tried once per process (and per configuration)."""
    if sandbox.kind == NONE:
        return None
    problem = _bubblewrap_problem(sandbox)
    if problem is None:
        return None
    return message(SANDBOX_UNAVAILABLE, problem=problem)


def command_start(sandbox: Sandbox, argv: list[str], repo: Path, *, network: bool) -> Running:
    """Starts `argv` in `repo` as `sandbox` says; raises StartError when it cannot."""
    if sandbox.kind == NONE:
        return _Unsandboxed.start(argv, repo)
    bwrap = shutil.which(sandbox.bwrap)
    if bwrap is None:
        raise StartError(message(BWRAP_NOT_FOUND, program=sandbox.bwrap))
    return _Bubblewrapped.start(bwrap, sandbox, argv, repo, network=network)


@functools.cache
def _bubblewrap_problem(sandbox: Sandbox) -> Message | None:
    """Runs `true` in a sandbox like the commands' (limits included) in an empty folder."""
    with tempfile.TemporaryDirectory(prefix="readiness-sandbox-trial-") as repo:
        try:
            running = command_start(sandbox, ["true"], Path(repo), network=False)
        except StartError as exc:
            return exc.problem
        try:
            _, stderr = running.process.communicate(timeout=_PROBE_S)
        except subprocess.TimeoutExpired:
            stderr = b"did not finish in time"
        finally:
            running.stop()
    code = running.process.returncode
    if code == 0 and running.start_problem("") is None:
        return None
    lines = stderr.decode("utf-8", errors="replace").strip().splitlines()
    return message(TRIAL_FAILED, problem=lines[-1] if lines else f"exit code {code}")


class _Unsandboxed(Running):
    """READINESS_COMMAND_SANDBOX=none: a process group of its own, killed as a whole, with
    the worker's user and a minimal environment."""

    @classmethod
    def start(cls, argv: list[str], repo: Path) -> _Unsandboxed:
        env = {name: os.environ[name] for name in _ENV_PASSED if name in os.environ}
        env.setdefault("PATH", os.defpath)
        program = argv[0]
        try:
            process = subprocess.Popen(
                argv,
                cwd=repo,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            raise StartError(message(NOT_FOUND, program=program)) from None
        except PermissionError:
            raise StartError(message(NOT_EXECUTABLE, program=program)) from None
        except OSError as exc:
            problem = str(exc.strerror or exc)
            raise StartError(message(COULD_NOT_START, program=program, problem=problem)) from None
        return cls(process)

    def stop(self) -> None:
        _kill_group(self.process)
        self.process.wait()

    def details(self) -> dict[str, Any]:
        return {"sandbox": NONE}


class _Bubblewrapped(Running):
    """bwrap, holding the sandbox (--block-fd) until its limits are set, then running the
    command. bwrap reports the sandbox's first process (--json-status-fd) and, once the
    command has run, its exit code; no exit code means the command never started."""

    def __init__(
        self,
        process: subprocess.Popen,
        status: int,
        *,
        sandbox: Sandbox,
        network: bool,
        program: str,
    ) -> None:
        super().__init__(process)
        self._status = status
        self._status_text = b""
        self._sandbox = sandbox
        self._network = network
        self._program = program
        self._first: int | None = None  # pidfd of the sandbox's first process
        self._cgroup: CommandCgroup | None = None
        self._capped: frozenset[str] = frozenset()  # what the cgroup caps

    @classmethod
    def start(
        cls, bwrap: str, sandbox: Sandbox, argv: list[str], repo: Path, *, network: bool
    ) -> _Bubblewrapped:
        passwd = _pipe_holding(_PASSWD.encode())
        group = _pipe_holding(_GROUP.encode())
        options = _pipe_holding(
            b"\0".join(
                part.encode() for part in _options(sandbox, repo.resolve(), network, passwd, group)
            )
        )
        status_read, status_write = os.pipe()
        block_read, block_write = os.pipe()
        child_fds = (options, passwd, group, status_write, block_read)
        try:
            process = subprocess.Popen(
                [
                    bwrap,
                    "--args",
                    str(options),
                    "--json-status-fd",
                    str(status_write),
                    "--block-fd",
                    str(block_read),
                    "--",
                    *argv,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={},
                start_new_session=True,
                close_fds=True,
                pass_fds=child_fds,
            )
        except OSError as exc:
            os.close(status_read)
            os.close(block_write)
            raise StartError(
                message(SANDBOX_FAILED, problem=f"{bwrap}: {exc.strerror or exc}")
            ) from None
        finally:
            for fd in child_fds:
                os.close(fd)
        running = cls(process, status_read, sandbox=sandbox, network=network, program=argv[0])
        try:
            running._confine()
        except BaseException:
            running.stop()
            raise
        finally:
            with contextlib.suppress(OSError):
                os.write(block_write, b"1")  # the sandbox may run the command now
            os.close(block_write)
        return running

    def _confine(self) -> None:
        """Sets the limits on the sandbox's first process while bwrap holds it; the
        command, its child, inherits them."""
        first = self._first_pid()
        if first is None:
            return  # bwrap failed before making the sandbox: stderr says why
        try:
            self._first = os.pidfd_open(first)
        except ProcessLookupError:
            return
        memory = self._sandbox.memory_mb * 1024 * 1024
        processes = self._sandbox.max_processes
        try:
            resource.prlimit(first, resource.RLIMIT_DATA, (memory, memory))
            resource.prlimit(first, resource.RLIMIT_NPROC, (processes, processes))
            resource.prlimit(first, resource.RLIMIT_CORE, (0, 0))
            self._cgroup = cgroup_create(max_processes=processes, memory_bytes=memory)
            if self._cgroup is not None:
                self._capped = self._cgroup.controllers
                self._cgroup.add(first)
        except ProcessLookupError:
            return
        except OSError as exc:
            raise StartError(
                message(SANDBOX_FAILED, problem=f"limits: {exc.strerror or exc}")
            ) from None

    def _first_pid(self) -> int | None:
        """The pid of the sandbox's first process, from bwrap's first status line."""
        deadline = time.monotonic() + _HANDSHAKE_S
        while b"\n" not in self._status_text:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._status], [], [], left)[0]:
                raise StartError(message(SANDBOX_FAILED, problem="bwrap did not start in time"))
            chunk = os.read(self._status, 4096)
            if not chunk:
                return None
            self._status_text += chunk
        first_line = self._status_text.split(b"\n", 1)[0]
        try:
            return int(json.loads(first_line)["child-pid"])
        except (ValueError, KeyError, TypeError):
            raise StartError(
                message(SANDBOX_FAILED, problem=f"bwrap said {first_line!r}")
            ) from None

    def stop(self) -> None:
        if self._first is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._first, signal.SIGKILL)
        _kill_group(self.process)
        if self._first is not None:
            # Readable once the first process has exited, which the kernel lets happen
            # only after every other process of its namespace is gone.
            select.select([self._first], [], [], _TEARDOWN_S)
            os.close(self._first)
            self._first = None
        self.process.wait()
        self._read_status()
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None

    def _read_status(self) -> None:
        if self._status < 0:
            return
        with contextlib.suppress(OSError):
            while select.select([self._status], [], [], 0)[0]:
                chunk = os.read(self._status, 4096)
                if not chunk:
                    break
                self._status_text += chunk
        os.close(self._status)
        self._status = -1

    def start_problem(self, stderr: str) -> Message | None:
        if b'"exit-code"' in self._status_text:
            return None
        lines = stderr.strip().splitlines()
        last = lines[-1] if lines else ""
        failed = _EXEC_FAILED.match(last)
        if failed is None:
            code = self.process.returncode
            return message(SANDBOX_FAILED, problem=last or f"bwrap exit code {code}")
        problem = failed["problem"]
        if problem == os.strerror(2):  # ENOENT
            return message(NOT_FOUND, program=self._program)
        if problem == os.strerror(13):  # EACCES
            return message(NOT_EXECUTABLE, program=self._program)
        return message(COULD_NOT_START, program=self._program, problem=problem)

    def details(self) -> dict[str, Any]:
        capped = self._capped
        # RLIMIT_NPROC binds every user but root.
        processes_capped = PROCESSES in capped or os.getuid() != 0
        return {
            "sandbox": BUBBLEWRAP,
            "network": self._network,
            "limits": {
                "memory_mb_per_process": self._sandbox.memory_mb,
                "memory_mb": self._sandbox.memory_mb if MEMORY in capped else None,
                "processes": self._sandbox.max_processes if processes_capped else None,
            },
        }


def _kill_group(process: subprocess.Popen) -> None:
    """Kills the process group `process` leads. Only while it is unreaped (see
    Running.has_exited): then its pid, the group's id, cannot have been reused."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _options(sandbox: Sandbox, repo: Path, network: bool, passwd: int, group: int) -> list[str]:
    """bwrap's options (what the module's docstring describes), in the order bwrap
    applies them."""
    memory = str(sandbox.memory_mb * 1024 * 1024)
    options = [
        "--unshare-user",
        "--uid",
        _UID,
        "--gid",
        _GID,
        "--disable-userns",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    if not network:
        options.append("--unshare-net")
    for path in _SYSTEM:
        if os.path.islink(path):
            options += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            options += ["--ro-bind", path, path]
    for pattern in _ETC:
        for path in sorted(glob.glob(f"/etc/{pattern}")):
            options += ["--ro-bind-try", path, path]
    options += ["--ro-bind-data", str(passwd), "/etc/passwd"]
    options += ["--ro-bind-data", str(group), "/etc/group"]
    options += ["--proc", "/proc", "--dev", "/dev"]
    options += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    options += ["--size", memory, "--tmpfs", "/tmp", "--symlink", "/tmp", "/var/tmp"]
    options += ["--ro-bind", str(repo), REPOSITORY]
    for hidden in _private_inside(sandbox.private, repo):
        inside = f"{REPOSITORY}/{hidden.relative_to(repo)}"
        if hidden.is_dir():
            options += ["--tmpfs", inside, "--remount-ro", inside]
        else:
            options += ["--ro-bind", "/dev/null", inside]
    options += ["--remount-ro", "/", "--chdir", REPOSITORY, "--clearenv"]
    env = {"PATH": SANDBOX_PATH, "HOME": "/tmp", "TMPDIR": "/tmp"}
    env |= {name: os.environ[name] for name in _LOCALE_PASSED if name in os.environ}
    for name, value in env.items():
        options += ["--setenv", name, value]
    return options


def _private_inside(private: tuple[Path, ...], repo: Path) -> list[Path]:
    """The private paths that exist strictly inside `repo`, outermost first, leaving out
    those inside another (hidden with it)."""
    inside = sorted(
        {
            resolved
            for resolved in (path.resolve() for path in private)
            if resolved != repo and resolved.is_relative_to(repo) and resolved.exists()
        },
        key=lambda path: len(path.parts),
    )
    found: list[Path] = []
    for path in inside:
        if not any(path.is_relative_to(outer) for outer in found):
            found.append(path)
    return found


def _pipe_holding(data: bytes) -> int:
    """The read end of a pipe that holds `data` and is closed for writing."""
    if len(data) >= 65536:  # a pipe's buffer: more would block the write
        raise ValueError("sandbox data larger than a pipe holds")
    read, write = os.pipe()
    try:
        os.write(write, data)
    finally:
        os.close(write)
    return read

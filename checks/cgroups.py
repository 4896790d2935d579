"""A cgroup of its own for one sandboxed command, capping its processes and memory as a whole.

It is made where this process may make one: as a child of its own cgroup, in each cgroup
v1 hierarchy of the `pids` and `memory` controllers, or in cgroup v2 when its own cgroup
may have children with those controllers (a delegated cgroup holding no process). Where
none can be made, the command runs without it and the caller says which limits hold. Its
processes are moved in while bubblewrap holds the sandbox before running the command, so
everything the command starts is inside.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

PROCESSES = "pids"
MEMORY = "memory"
_LIMIT_FILES = {  # controller: (its limit file in cgroup v1, in cgroup v2)
    PROCESSES: ("pids.max", "pids.max"),
    MEMORY: ("memory.limit_in_bytes", "memory.max"),
}
_REMOVE_WITHIN_S = 2.0
_names = itertools.count(1)
# Folders that were still busy when their command ended; removed at a later try.
_left_over: set[Path] = set()


@dataclass(frozen=True)
class CommandCgroup:
    """The folders of one command's cgroup (one per hierarchy) and the controllers it caps."""

    folders: tuple[Path, ...]
    controllers: frozenset[str]

    def add(self, pid: int) -> None:
        """Moves process `pid` (and so what it starts afterwards) into the cgroup."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Removes the folders once their processes are gone (a dying process can hold one
        for a moment); one still busy after a short wait is retried by a later command."""
        _left_over.update(self.folders)
        deadline = time.monotonic() + _REMOVE_WITHIN_S
        while _left_over:
            for folder in list(_left_over):
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    continue
                _left_over.discard(folder)
            if not _left_over or time.monotonic() > deadline:
                return
            time.sleep(0.02)


def cgroup_create(*, max_processes: int, memory_bytes: int) -> CommandCgroup | None:
    """A new cgroup capped at `max_processes` tasks and `memory_bytes`, with whichever of
    the two controllers this process may use; None when it may use neither."""
    wanted = {PROCESSES: max_processes, MEMORY: memory_bytes}
    name = f"readiness-command-{os.getpid()}-{next(_names)}"
    folders: list[Path] = []
    controllers: set[str] = set()
    for parent, version, offered in _own_cgroups():
        usable = offered & wanted.keys() - controllers
        if not usable:
            continue
        folder = parent / name
        capped = _make(folder, parent, version, {c: wanted[c] for c in usable})
        if capped:
            folders.append(folder)
            controllers |= capped
    if not folders:
        return None
    return CommandCgroup(tuple(folders), frozenset(controllers))


def _make(folder: Path, parent: Path, version: int, limits: dict[str, int]) -> set[str]:
    """Creates `folder` with `limits` written; the controllers capped, none on failure."""
    try:
        folder.mkdir()
    except OSError:
        return set()
    capped = set()
    for controller, value in limits.items():
        limit_file = folder / _LIMIT_FILES[controller][version - 1]
        if version == 2 and not limit_file.exists():
            # The parent must hand the controller down; refused while it holds processes.
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text(f"+{controller}")
        try:
            limit_file.write_text(str(value))
        except OSError:
            continue
        capped.add(controller)
    if not capped:
        with contextlib.suppress(OSError):
            folder.rmdir()
    return capped


def _own_cgroups() -> list[tuple[Path, int, set[str]]]:
    """This process's cgroup folders, each with its cgroup version and the controllers
    of interest it has."""
    try:
        memberships = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    found = []
    for membership in memberships:
        hierarchy, listed, path = membership.split(":", 2)
        version = 2 if hierarchy == "0" and not listed else 1
        named = set(listed.split(",")) if listed else set()
        if version == 1 and not named & _LIMIT_FILES.keys():
            continue
        for mount_root, mount_point, controllers in _cgroup_mounts(mounts, version):
            relative = os.path.relpath(path, mount_root)
            if not named <= controllers or relative.startswith(".."):
                continue
            folder = Path(mount_point, relative)
            offered = _listed(folder / "cgroup.controllers") if version == 2 else named
            found.append((folder, version, offered & _LIMIT_FILES.keys()))
    return found


def _cgroup_mounts(mounts: list[str], version: int) -> list[tuple[str, str, set[str]]]:
    """(root, mount point, controllers) of each mount of a cgroup hierarchy of `version`;
    cgroup v2 mounts list no controllers (each folder has its own)."""
    kind = "cgroup2" if version == 2 else "cgroup"
    found = []
    for line in mounts:
        before, _, after = line.partition(" - ")
        fields, details = before.split(), after.split()
        if len(fields) < 5 or len(details) < 3 or details[0] != kind:
            continue
        controllers = set(details[2].split(",")) if version == 1 else set()
        found.append((_unescape(fields[3]), _unescape(fields[4]), controllers))
    return found


def _listed(path: Path) -> set[str]:
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def _unescape(field: str) -> str:
    """A mountinfo path field, whose spaces and the like are written as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda found: chr(int(found[1], 8)), field)

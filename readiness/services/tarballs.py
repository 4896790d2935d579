"""Unpacking an uploaded tarball of a working tree, safely, into a private folder.

The archive is untrusted: members are checked one by one before anything is written —
regular files and folders only (a link, a device or a FIFO is refused, so nothing can point
outside the folder), relative paths that stay inside it (no `/etc/passwd`, no `../`), and
caps on the number of members and on the bytes they unpack to, counted from the headers
and again while writing, so a tar bomb stops at the cap rather than filling the disk. On
any refusal the folder is removed: nothing half-unpacked is ever read."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.utils.translation import gettext as _

_CHUNK = 1 << 16


class TarballError(ValueError):
    """The archive cannot be unpacked safely; the message names the member and why."""


@dataclass(frozen=True)
class TarballLimits:
    max_files: int
    max_bytes: int


@contextmanager
def tarball_unpacked(upload: IO[bytes], *, limits: TarballLimits) -> Iterator[Path]:
    """The tarball `upload` (tar, optionally gzip-, bzip2- or xz-compressed) unpacked into a
    new private folder, removed when the block ends. Raises TarballError."""
    folder = Path(tempfile.mkdtemp(prefix="readiness-tree-"))  # mode 0700
    try:
        tarball_extract(upload, folder, limits=limits)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tarball_extract(upload: IO[bytes], folder: Path, *, limits: TarballLimits) -> int:
    """Unpack `upload` into the existing empty `folder`; returns the number of files.
    Raises TarballError (the caller removes the folder)."""
    try:
        archive = tarfile.open(fileobj=upload, mode="r:*")  # noqa: SIM115 - `with` below
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise TarballError(
            _("not a tar archive (tar, tar.gz, tar.bz2 or tar.xz): %(error)s") % {"error": exc}
        ) from None
    files = 0
    members = 0
    total = 0
    try:
        with archive:
            for member in _members(archive):
                members += 1
                if members > limits.max_files:
                    raise TarballError(
                        _("more than %(limit)s files and folders in the archive")
                        % {"limit": limits.max_files}
                    )
                target = folder.joinpath(*_safe_parts(member))
                if member.isdir():
                    _mkdir(target, member)
                    continue
                total += member.size
                if total > limits.max_bytes:
                    raise TarballError(_too_large(limits))
                _mkdir(target.parent, member)
                _write(archive, member, target)
                files += 1
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise TarballError(_("the archive is damaged: %(error)s") % {"error": exc}) from None
    return files


def _members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members one by one, as they are read (never the whole list at once)."""
    while True:
        member = archive.next()
        if member is None:
            return
        yield member


def _safe_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    name = member.name
    if not (member.isfile() or member.isdir()):
        raise TarballError(
            _("%(name)s: only files and folders are accepted (not a link or a device)")
            % {"name": name}
        )
    path = PurePosixPath(name)
    if path.is_absolute():
        raise TarballError(_("%(name)s: an absolute path") % {"name": name})
    parts = tuple(part for part in path.parts if part not in ("", "."))
    if ".." in parts:
        raise TarballError(_("%(name)s: the path leaves the folder (..)") % {"name": name})
    if any("\0" in part or "\\" in part for part in parts):
        raise TarballError(_("%(name)s: an invalid file name") % {"name": name})
    if not parts and member.isfile():
        raise TarballError(_("%(name)s: an invalid file name") % {"name": name})
    return parts


def _mkdir(folder: Path, member: tarfile.TarInfo) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        raise TarballError(
            _("%(name)s: a folder where the archive has a file") % {"name": member.name}
        ) from None


def _write(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = archive.extractfile(member)
    if source is None:
        raise TarballError(_("%(name)s: cannot be read") % {"name": member.name})
    written = 0
    # O_EXCL: a name given twice in the archive is not written over (nor followed if odd).
    try:
        out = open(target, "xb")  # noqa: SIM115 - closed below
    except OSError:
        raise TarballError(
            _("%(name)s: given twice, or under a name that is a file") % {"name": member.name}
        ) from None
    with source, out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > member.size:
                raise TarballError(
                    _("%(name)s: larger than its header says") % {"name": member.name}
                )
            out.write(chunk)
    target.chmod(0o600)


def _too_large(limits: TarballLimits) -> str:
    return _("the archive unpacks to more than %(limit)s bytes") % {"limit": limits.max_bytes}

"""Unpacking an untrusted tarball: what is refused, and that nothing is left behind."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from readiness.services.tarballs import TarballError, TarballLimits, tarball_unpacked

ROOMY = TarballLimits(max_files=100, max_bytes=1 << 20)


def tarball(*members: tarfile.TarInfo | tuple[str, bytes], mode: str = "w:gz") -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def special(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def test_it_unpacks_files_and_folders_into_a_private_folder_removed_afterwards():
    upload = tarball(("./src/app.py", b"print(1)\n"), ("README.md", b"hi"))
    with tarball_unpacked(upload, limits=ROOMY) as folder:
        assert (folder / "src" / "app.py").read_bytes() == b"print(1)\n"
        assert (folder / "README.md").read_text() == "hi"
        assert folder.stat().st_mode & 0o777 == 0o700
        kept = folder
    assert not kept.exists()


@pytest.mark.parametrize(
    ("member", "said"),
    [
        (("../escape.txt", b"x"), "leaves the folder"),
        (("src/../../escape.txt", b"x"), "leaves the folder"),
        (("/etc/cron.d/evil", b"x"), "absolute path"),
        (special("link", tarfile.SYMTYPE, "/etc/passwd"), "not a link"),
        (special("inside", tarfile.SYMTYPE, "src/app.py"), "not a link"),
        (special("hard", tarfile.LNKTYPE, "/etc/passwd"), "not a link"),
        (special("dev", tarfile.CHRTYPE), "not a link or a device"),
        (special("fifo", tarfile.FIFOTYPE), "not a link or a device"),
    ],
)
def test_it_refuses_paths_leaving_the_folder_links_and_devices(tmp_path, member, said):
    upload = tarball(("src/app.py", b"ok"), member)
    with pytest.raises(TarballError, match=said), tarball_unpacked(upload, limits=ROOMY):
        pass
    assert not (tmp_path.parent / "escape.txt").exists()
    assert not Path("/tmp/escape.txt").exists()


def test_a_symlink_then_a_file_through_it_writes_nothing_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    upload = tarball(special("out", tarfile.SYMTYPE, str(outside)), ("out/evil.txt", b"x"))
    with pytest.raises(TarballError), tarball_unpacked(upload, limits=ROOMY):
        pass
    assert list(outside.iterdir()) == []


def test_too_many_members_stop_at_the_cap():
    upload = tarball(*[(f"f{n}.txt", b"") for n in range(11)])
    with (
        pytest.raises(TarballError, match="more than 10 files"),
        tarball_unpacked(upload, limits=TarballLimits(max_files=10, max_bytes=1 << 20)),
    ):
        pass


def test_a_tar_bomb_stops_at_the_unpacked_size_cap():
    # 4 MiB of zeros compress to a few KiB.
    upload = tarball(("zeros.bin", bytes(4 << 20)))
    assert len(upload.getvalue()) < 64 * 1024
    with (
        pytest.raises(TarballError, match="more than 1048576 bytes"),
        tarball_unpacked(upload, limits=ROOMY),
    ):
        pass


def test_a_file_given_twice_and_garbage_are_refused():
    with (
        pytest.raises(TarballError, match="given twice"),
        tarball_unpacked(tarball(("a", b"1"), ("a", b"2")), limits=ROOMY),
    ):
        pass
    with (
        pytest.raises(TarballError, match="not a tar archive"),
        tarball_unpacked(io.BytesIO(b"PK\x03\x04 a zip"), limits=ROOMY),
    ):
        pass


@pytest.mark.parametrize("mode", ["w", "w:bz2", "w:xz"])
def test_plain_and_other_compressions_are_read(mode):
    with tarball_unpacked(tarball(("a.txt", b"1"), mode=mode), limits=ROOMY) as folder:
        assert (folder / "a.txt").read_text() == "1"

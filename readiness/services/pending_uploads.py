"""Uploads awaiting confirmation: a document kept between its preview and its import.

Each upload is two files under DATA_DIR/imports, named by a random token: the document and
who uploaded it for which project. Only that user, for that project, can load it back;
uploads older than a day are removed at the next upload."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from pathlib import Path

from django.conf import settings

PENDING_MAX_AGE_S = 24 * 3600
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def pending_upload_store(*, data: bytes, name: str, user_id: int, project_id: int) -> str:
    """Keep an upload until it is confirmed; returns the token that names it."""
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE_S
    for old in folder.glob("*"):
        with contextlib.suppress(FileNotFoundError):  # another request removed it first
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.doc").write_bytes(data)
    meta = {"name": name, "user": user_id, "project": project_id}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def pending_upload_load(*, token: str, user_id: int, project_id: int) -> tuple[bytes, str] | None:
    """The upload of `token` and its file name, if this user made it for this project and
    it is still there."""
    if not token or len(token) > 64 or not set(token) <= _TOKEN_CHARS:
        return None
    folder = _pending_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.doc").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or meta.get("project") != project_id:
        return None
    return data, str(meta.get("name") or "document.md")


def pending_upload_drop(*, token: str) -> None:
    """Forget the upload of `token` (it was imported)."""
    for suffix in (".doc", ".json"):
        (_pending_dir() / f"{token}{suffix}").unlink(missing_ok=True)


def _pending_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"

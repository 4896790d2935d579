"""Keyset cursors for the API's lists: where the next page starts, as an opaque string.

A cursor holds the order it was made for and the last row's (evaluated_at, id), so a page
costs the same at the start of a long history as at its end (no OFFSET), and rows added
meanwhile neither repeat nor skip one. It is not signed: a forged cursor moves only
within what the caller may already read."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils.dateparse import parse_datetime


class CursorError(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    order: str  # "oldest" or "newest"
    at: dt.datetime
    id: int

    def encode(self) -> str:
        raw = json.dumps({"o": self.order, "at": self.at.isoformat(), "id": self.id})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def after(self) -> Q:
        """The rows after this one in its order, by (evaluated_at, id)."""
        if self.order == "newest":
            return Q(evaluated_at__lt=self.at) | Q(evaluated_at=self.at, pk__lt=self.id)
        return Q(evaluated_at__gt=self.at) | Q(evaluated_at=self.at, pk__gt=self.id)


def cursor_decode(text: str) -> Cursor:
    """The cursor `text` stands for; CursorError when it is not one this API gave."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        order, at, pk = data["o"], parse_datetime(data["at"]), data["id"]
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise CursorError from None
    if order not in ("oldest", "newest") or at is None or at.tzinfo is None:
        raise CursorError
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise CursorError
    return Cursor(order=order, at=at, id=pk)

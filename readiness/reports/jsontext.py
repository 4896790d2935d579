"""Reports as JSON: a report's plain data (raw, unrounded numbers) as one indented
document, keeping non-ASCII text as it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def json_text(data: Mapping[str, Any]) -> str:
    """`data` (a builder's plain data) as an indented JSON document."""
    return json.dumps(data, ensure_ascii=False, indent=2)

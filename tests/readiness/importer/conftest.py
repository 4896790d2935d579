from pathlib import Path

import pytest

from readiness.importer.document import ImportResult, import_document

DOCS = Path(__file__).resolve().parents[2] / "fixtures" / "docs"
SEED = "TESTS-VERIFICATION-COMPLETE-2026-02-16.md"


def read_doc(name: str) -> bytes:
    return (DOCS / name).read_bytes()


def import_doc(name: str, source_name: str | None = None) -> ImportResult:
    return import_document(read_doc(name), source_name=source_name or name)


@pytest.fixture(params=["seed-mojibake.md", "seed-repaired.md"])
def seed(request) -> ImportResult:
    """The seed document as it reached us (Mac Roman mojibake) and repaired: every test
    using it runs on both."""
    return import_doc(request.param, source_name=SEED)

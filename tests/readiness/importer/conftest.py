from pathlib import Path

import pytest

from checks.spec import CheckSpec
from readiness.importer import ImportResult, import_document
from readiness.importer._commands import Plan, plan_command

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


def one(line: str, cwd: str = "") -> Plan:
    """The plan of a command line that holds one command."""
    plans = plan_command(line, cwd)
    assert len(plans) == 1
    return plans[0]


def checks_of(result: ImportResult) -> dict[str, CheckSpec]:
    return {spec.key: spec for spec in result.checklist.all_checks()}

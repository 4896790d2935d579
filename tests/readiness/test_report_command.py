"""`manage.py report`: every format, and exit code 2 on bad input."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# Two measured assessments of project "shop", shared with the reports' own tests.
from tests.readiness.reports.conftest import measured  # noqa: F401


def run_report(*args):
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("measured")
def test_the_command_prints_every_format():
    assert run_report("--project", "shop").startswith("# Readiness report · Shop · 2026-03-02")
    assert json.loads(run_report("--project", "shop", "--format", "json"))["project"] == "shop"
    assert "<table" in run_report("--project", "shop", "--format", "html", "--lang", "fr")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--project", "nope"), "No project nope."),
        (("--project", "shop", "--assessment", "999999"), "is not one of project shop"),
    ],
)
@pytest.mark.usefixtures("measured")
def test_the_command_exits_2_on_bad_input(args, message):
    with pytest.raises(CommandError) as error:
        run_report(*args)
    assert error.value.returncode == 2
    assert message in str(error.value)

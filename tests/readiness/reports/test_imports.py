"""The import report's numbers (readiness/reports/imports.py): what a save created."""

import pytest

from readiness.reports.render import render_import_report
from readiness.services.imports import import_document_save


@pytest.mark.django_db
def test_it_shows_what_a_save_created_and_what_was_already_there(seed, tmp_path):
    first = import_document_save(result=seed, project_slug="sos", source=str(tmp_path))
    second = import_document_save(result=seed, project_slug="sos")
    assert "| History points (claimed by the document) | 2 | 2 | 0 |" in render_import_report(
        seed, first
    )
    again = render_import_report(seed, second)
    assert "| History points (claimed by the document) | 2 | 0 | 2 |" in again
    assert "| Manual checks | 34 | 0 | 34 |" in again

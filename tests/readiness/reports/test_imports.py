"""The import report's numbers (readiness/reports/imports.py): what a save created."""

import pytest
from django.utils import translation

from readiness.reports.imports import COUNT_KEYS, import_report_data
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


@pytest.mark.django_db
def test_it_counts_each_kind_as_found_created_and_kept_once_saved(seed, tmp_path):
    summary = import_document_save(result=seed, project_slug="sos", source=str(tmp_path))

    with translation.override("en"):
        data = import_report_data(seed, summary)

    rows = {row["key"]: row for row in data["counts"]}
    assert list(rows) == list(COUNT_KEYS)
    assert rows["categories"] == {
        "key": "categories",
        "label": "Categories",
        "found": rows["categories"]["found"],
        "created": rows["categories"]["found"],
        "kept": 0,
    }
    assert (data["saved"], data["project"], data["version"]) == (True, "sos", 1)


def test_it_gives_the_plan_alone_without_save_columns(seed):
    data = import_report_data(seed)

    assert data["saved"] is False and data["project"] is None
    assert all(set(row) == {"key", "label", "found"} for row in data["counts"])

"""`${name}` placeholders: checked at load time, filled at run time, skip when unset."""

from __future__ import annotations

import pytest

from checks.checklist import ChecklistError, load_checklist
from checks.placeholders import Unfilled, fill, unfilled

TEMPLATE = """
version: 1
name: t
categories:
  - key: c
    checks:
      - key: up
        type: http
        url: "{url}"
"""


def test_it_fills_every_placeholder_with_its_value():
    assert fill("${base_url}/health", {"base_url": "http://x:8000"}) == "http://x:8000/health"


def test_it_names_the_placeholders_that_have_no_value():
    with pytest.raises(Unfilled) as raised:
        fill("${base_url}/${region}", {"base_url": ""})
    assert raised.value.names == ["base_url", "region"]
    assert unfilled(raised.value).summary == "no base URL set"
    assert str(unfilled(Unfilled(["region"])).status) == "skip"


def test_it_loads_a_url_that_starts_with_the_base_url():
    checklist = load_checklist(TEMPLATE.format(url="${base_url}/admin/login/"))
    assert checklist.check("up").options["url"] == "${base_url}/admin/login/"


@pytest.mark.parametrize("url", ["${Base-URL}/x", "${base_url}/a b", "ftp://${base_url}"])
def test_it_refuses_a_url_that_is_wrong_around_its_placeholder(url):
    with pytest.raises(ChecklistError):
        load_checklist(TEMPLATE.format(url=url))

"""GET /badge/<slug>.svg and .json: no login, the project's badge key is the credential;
a wrong key answers like an unknown project."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from readiness.models import Verdict
from tests import factories

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def anonymous():
    return Client()


def svg_url(project, **query):
    query.setdefault("key", project.badge_key)
    return reverse("readiness:badge-svg", args=[project.slug]), query


def get_svg(client, project, **query):
    path, params = svg_url(project, **query)
    return client.get(path, params)


def badge_texts(response) -> list[str]:
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    return [t.text for t in root.iter(f"{SVG}text")][::2]


def message_fill(response) -> str:
    root = ET.fromstring(response.content)
    # The message's box is the one that starts after the label's.
    return next(r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("x"))


def assess(world, **fields):
    return factories.AssessmentFactory(project=world.project, checklist=world.checklist, **fields)


def test_it_shows_the_latest_score_to_anyone_with_the_key(world, anonymous):
    assess(world, score=9.43, verdict=Verdict.READY)

    response = get_svg(anonymous, world.project)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert badge_texts(response) == ["readiness", "9.4/10"]


@pytest.mark.parametrize(
    ("verdict", "reasons", "fill"),
    [
        (Verdict.READY, [], "#4c1"),
        (Verdict.NOT_READY, [{"code": "score_below", "score": 7.1, "ready_at": 8.0}], "#fe7d37"),
        (Verdict.NOT_READY, [{"code": "critical", "check": "x", "status": "fail"}], "#e05d44"),
    ],
)
def test_its_colour_follows_the_verdict(world, anonymous, verdict, reasons, fill):
    assess(world, score=7.1, verdict=verdict, verdict_reasons=reasons)

    assert message_fill(get_svg(anonymous, world.project)) == fill


def test_a_project_never_assessed_has_a_grey_badge(world, anonymous):
    response = get_svg(anonymous, world.project)

    assert badge_texts(response) == ["readiness", "not assessed"]
    assert message_fill(response) == "#9f9f9f"


def test_a_document_claim_is_not_shown_as_a_measured_score(world, anonymous):
    assess(world, score=6.0, verdict=Verdict.NOT_READY)
    assess(world, score=9.9, claimed=True)

    assert badge_texts(get_svg(anonymous, world.project))[1] == "6.0/10"


def test_it_shows_the_level_when_the_checklist_has_levels(world, anonymous):
    world.checklist.levels = ["bronze", "silver", "gold"]
    world.checklist.save()
    assess(world, score=8.5, level="silver")

    assert badge_texts(get_svg(anonymous, world.project))[1] == "silver"
    assert badge_texts(get_svg(anonymous, world.project, show="score"))[1] == "8.5/10"
    assess(world, score=3.0, level="", verdict=Verdict.NOT_READY)
    assert badge_texts(get_svg(anonymous, world.project))[1] == "no level"


def test_asking_for_a_level_without_levels_gives_the_score(world, anonymous):
    assess(world, score=8.5)

    assert badge_texts(get_svg(anonymous, world.project, show="level"))[1] == "8.5/10"


def test_it_speaks_french_when_asked(world, anonymous):
    assess(world, score=9.43)

    assert badge_texts(get_svg(anonymous, world.project, lang="fr"))[1] == "9,4/10"


def test_a_wrong_or_missing_key_answers_as_an_unknown_project(world, anonymous):
    assess(world, score=9.4)
    path = reverse("readiness:badge-svg", args=[world.project.slug])
    unknown = anonymous.get(reverse("readiness:badge-svg", args=["nope"]), {"key": "x"})

    wrong = anonymous.get(path, {"key": world.project.badge_key[:-1] + "x"})
    missing = anonymous.get(path)
    other = anonymous.get(path, {"key": world.other_project.badge_key})

    for response in (wrong, missing, other, unknown):
        assert response.status_code == 404
        assert response.content == unknown.content
        assert response["Cache-Control"] == "no-store"
    assert b"9.4" not in wrong.content


def test_it_names_a_bad_parameter(world, anonymous):
    response = get_svg(anonymous, world.project, show="colour")

    assert response.status_code == 400
    assert "show=colour: use one of score, level." in response.content.decode()


def test_it_may_be_cached_by_anyone_for_five_minutes_and_revalidated(world, anonymous):
    assess(world, score=9.4)

    first = get_svg(anonymous, world.project)
    path, params = svg_url(world.project)
    again = anonymous.get(path, params, headers={"If-None-Match": first["ETag"]})

    assert first["Cache-Control"] == "public, max-age=300"
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assess(world, score=5.0, verdict=Verdict.NOT_READY)
    changed = anonymous.get(path, params, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_the_json_is_in_shields_endpoint_format(world, anonymous):
    assess(world, score=9.43, verdict=Verdict.READY)
    path = reverse("readiness:badge-json", args=[world.project.slug])

    response = anonymous.get(path, {"key": world.project.badge_key})

    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert json.loads(response.content) == {
        "schemaVersion": 1,
        "label": "readiness",
        "message": "9.4/10",
        "color": "brightgreen",
        "cacheSeconds": 300,
    }
    assert anonymous.get(path, {"key": "wrong"}).status_code == 404


def test_it_costs_two_queries(world, anonymous, django_assert_num_queries):
    assess(world, score=9.4)

    with django_assert_num_queries(2):
        get_svg(anonymous, world.project)

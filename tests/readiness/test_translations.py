"""The French catalogue is complete and compiled, and pages follow the browser's language
or the user's choice, with French numbers (9,8/10) and dates."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from readiness.models import Role
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
NBSP = "\u00a0"


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


_FIELD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$")


def po_entries(path: Path) -> list[Entry]:
    """The entries of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry, last = Entry(), None

    def flush() -> None:
        nonlocal entry, last
        if last is not None:
            entries.append(entry)
        entry, last = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, last, ast.literal_eval(line))
        else:
            match = _FIELD.match(line)
            assert match, f"unparsable line in {path.name}: {line!r}"
            name, index, text = match.groups()
            last = ("msgstr", int(index or 0)) if name.startswith("msgstr") else name
            _append(entry, last, ast.literal_eval(text))
    flush()
    return entries


def _append(entry: Entry, last: object, text: str) -> None:
    if isinstance(last, tuple):
        entry.msgstr[last[1]] = entry.msgstr.get(last[1], "") + text
    else:
        setattr(entry, last, (getattr(entry, last) or "") + text)


def mo_key(entry: Entry) -> str:
    # GNU catalogues key a message with a context as "context\x04message".
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid


def test_it_has_a_french_catalogue_with_french_plural_rules():
    header, *_ = po_entries(PO_FILE)
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: fr\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header.msgstr[0]


def test_it_translates_every_message_and_leaves_none_fuzzy():
    _, *entries = po_entries(PO_FILE)
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    singular_only = [e.msgid for e in entries if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert entries
    assert untranslated == []
    assert fuzzy == []
    assert singular_only == []


def test_it_keeps_every_placeholder_of_the_english_text():
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\d*x|\{[a-z_]*\}")
    _, *entries = po_entries(PO_FILE)
    wrong = [
        e.msgid
        for e in entries
        for text in e.msgstr.values()
        if sorted(set(placeholder.findall(text)))
        != sorted(set(placeholder.findall(e.msgid + (e.msgid_plural or ""))))
    ]
    assert wrong == []


def test_it_ships_a_compiled_catalogue_that_matches_the_po_file():
    _, *entries = po_entries(PO_FILE)
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in entries:
        if entry.msgid_plural is None:
            expected[mo_key(entry)] = entry.msgstr[0]
        else:
            expected.update({(mo_key(entry), n): text for n, text in entry.msgstr.items()})
    compiled.pop("", None)  # the header
    assert compiled == expected


@pytest.fixture
def project(db):
    """A project whose latest assessment scored 9.8 (0.6 up) with 92% measured, and one
    failing critical check."""
    team = factories.TeamFactory(name="Paiements", slug="paiements")
    project = factories.ProjectFactory(team=team, slug="paiements-api", name="API Paiements")
    checklist = factories.ChecklistVersionFactory(project=project, number=1)
    security = factories.CategoryFactory(checklist=checklist, key="security", name="Sécurité")
    webhook = factories.CheckFactory(
        checklist=checklist, category=security, key="webhook", severity="critical"
    )
    end = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    previous, latest = add_history(
        project, checklist, 2, end=end, categories={"security": security}
    )
    previous.score = 9.2
    previous.save()
    latest.score, latest.coverage = 9.8, 0.92
    latest.verdict_reasons = [{"code": "score_below", "score": 7.94, "ready_at": 8.0}]
    latest.save()
    add_results(latest, {webhook: "fail"})
    return project


@pytest.fixture
def member(project) -> Client:
    user = factories.UserFactory(username="lecteur")
    factories.MembershipFactory(team=project.team, user=user, role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    return client


def french(number: float) -> str:
    return f"{number:.1f}".replace(".", ",")


def test_it_shows_the_overview_in_french_to_a_french_browser(member):
    html = member.get(reverse("readiness:overview"), **FRENCH).content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Projets</h1>" in html
    assert f"{french(9.8)}/10" in html
    assert f"92{NBSP}% mesuré" in html
    assert f"▲ +{french(9.8 - 9.2)}" in html
    assert "Projects" not in html


def test_it_shows_verdict_reasons_dates_and_statuses_in_french(member, project):
    html = member.get(reverse("readiness:project", args=[project.slug]), **FRENCH).content
    html = html.decode()
    assert f"Le score {french(7.94)}/10 est inférieur aux {french(8.0)}/10 requis" in html
    assert "2 mars 2026" in html
    assert "Échec" in html
    assert "Derniers résultats" in html


def test_it_follows_the_users_choice_over_the_browser(member):
    response = member.post(
        reverse("set_language"), {"language": "fr", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    html = member.get(reverse("readiness:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Projets</h1>" in html


def test_it_stays_in_english_for_an_english_browser(member):
    html = member.get(reverse("readiness:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Projects</h1>" in html
    assert "9.8/10" in html

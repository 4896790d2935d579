"""The checklist format's levels: `levels:` at the top, `level:` per check."""

from __future__ import annotations

from checks.checklist import MAX_LEVELS, dump_checklist, load_checklist
from tests.checks.checklists import doc, where

LEVELS = doc(
    """
    version: 1
    name: Levels
    levels: [bronze, silver, gold]
    categories:
      - key: main
        checks:
          - key: readme
            type: file
            paths: README.md
          - key: tests
            type: file
            level: silver
            paths: tests/**
          - key: runbook
            type: manual
            level: gold
    """
)


def test_it_reads_the_levels_in_order_and_each_checks_level() -> None:
    checklist = load_checklist(LEVELS)

    assert checklist.levels == ("bronze", "silver", "gold")
    levels = {check.key: check.level for check in checklist.all_checks()}
    assert levels == {"readme": None, "tests": "silver", "runbook": "gold"}


def test_a_check_without_level_belongs_to_the_lowest() -> None:
    checklist = load_checklist(LEVELS)

    assert checklist.level_of(checklist.check("readme")) == "bronze"
    assert checklist.level_of(checklist.check("runbook")) == "gold"


def test_a_checklist_without_levels_has_none() -> None:
    checklist = load_checklist(
        LEVELS.replace("levels: [bronze, silver, gold]\n", "")
        .replace("        level: silver\n", "")
        .replace("        level: gold\n", "")
    )

    assert checklist.levels == ()
    assert checklist.level_of(checklist.check("readme")) is None


def test_an_unknown_level_is_reported_at_its_line() -> None:
    text = LEVELS.replace("level: silver", "level: platinum")

    assert where(text) == [(12, "categories[0].checks[1].level")]


def test_a_level_needs_the_levels_list() -> None:
    text = LEVELS.replace("levels: [bronze, silver, gold]\n", "levels_missing: true\n")

    problems = where(text)

    assert (3, "levels_missing") in problems
    assert (12, "categories[0].checks[1].level") in problems


def test_levels_must_be_distinct_non_empty_and_few() -> None:
    assert where(LEVELS.replace("[bronze, silver, gold]", "[bronze, bronze]")) == [
        (3, "levels[1]"),
        (12, "categories[0].checks[1].level"),
        (16, "categories[0].checks[2].level"),
    ]
    assert (3, "levels") in where(LEVELS.replace("[bronze, silver, gold]", "[]"))
    many = ", ".join(f"l{n}" for n in range(MAX_LEVELS + 1))
    assert (3, "levels") in where(LEVELS.replace("[bronze, silver, gold]", f"[{many}]"))


def test_it_dumps_levels_and_loads_them_back() -> None:
    checklist = load_checklist(LEVELS)

    text = dump_checklist(checklist)

    assert "levels: [bronze, silver, gold]" in text
    assert load_checklist(text) == checklist

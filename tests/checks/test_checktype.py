"""Declared options: plain defaults for files, typed values for runners, one from the other."""

from __future__ import annotations

import dataclasses

from checks.checktype import build, plain
from checks.command import CommandOptions, Expect
from checks.consistency import ConsistencyOptions, Source
from checks.http import HttpOptions
from checks.registry import TYPES


def test_it_gives_each_default_in_the_plain_form_a_checklist_file_holds() -> None:
    assert plain(HttpOptions(url="http://h/")) == {
        "url": "http://h/",
        "method": "GET",
        "expect_status": [200],
        "max_latency_ms": None,
        "headers": {},
        "body_matches": None,
        "timeout_s": 10.0,
        "follow_redirects": False,
    }


def test_it_builds_typed_options_with_nested_ones_from_plain_values() -> None:
    options = build(
        ConsistencyOptions,
        {
            "sources": [{"paths": ["a.ts"], "pattern": "(x)"}, {"paths": ["b"], "pattern": "(y)"}],
            "ignore_case": True,
        },
    )

    assert options == ConsistencyOptions(
        sources=(Source(paths=("a.ts",), pattern="(x)"), Source(paths=("b",), pattern="(y)")),
        ignore_case=True,
    )


def test_it_fills_what_plain_values_leave_out_with_the_declared_defaults() -> None:
    options = build(CommandOptions, {"argv": ["make"], "expect": {"exit_code": 2}})

    assert options.expect == Expect(exit_code=2)
    assert options.timeout_s == 60.0
    assert options.enabled is True


def test_it_gives_back_the_plain_values_it_was_built_from() -> None:
    for check_type in TYPES:
        required = {
            item.name: "x"
            for item in dataclasses.fields(check_type.options)
            if item.name not in check_type.defaults()
        }
        values = {**check_type.defaults(), **required}

        assert plain(check_type.typed(values)) == values, check_type.name


def test_it_copies_a_mutable_default_for_each_instance() -> None:
    first, second = HttpOptions(url="a"), HttpOptions(url="b")

    assert first.headers == {} and first.headers is not second.headers

"""The check type registry: every type complete and registered, and a new type is one module."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import pkgutil
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import checks
from checks import reader as read
from checks import registry
from checks.checklist import ChecklistError, dump_checklist, load_checklist
from checks.checktype import CheckType, Kind, option
from checks.runner import run_checklist
from checks.spec import CheckSpec, Outcome, RunContext, Status

NOW = dt.datetime(2026, 2, 16, 12, tzinfo=dt.UTC)


def declared_types() -> dict[str, CheckType]:
    """Every CheckType built at the top level of a module of the engine."""
    found = {}
    for module_info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"checks.{module_info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CheckType):
                found[f"checks.{module_info.name}.{name}"] = value
    return found


def test_it_registers_every_check_type_a_module_declares() -> None:
    declared = declared_types()

    assert declared
    assert {check_type.name for check_type in declared.values()} == registry.names()
    assert all(check_type in registry.TYPES for check_type in declared.values())


def test_it_gives_every_type_a_kind_and_the_runner_that_kind_needs() -> None:
    for check_type in registry.TYPES:
        assert isinstance(check_type.kind, Kind)
        if check_type.kind is Kind.FILE:
            assert callable(check_type.evaluate) and check_type.run is None
        else:
            assert callable(check_type.run) and check_type.evaluate is None


def test_it_declares_every_option_with_a_reader() -> None:
    for check_type in registry.TYPES:
        fields = dataclasses.fields(check_type.options)
        assert fields, check_type.name
        assert all(callable(item.metadata["read"]) for item in fields), check_type.name
        assert set(check_type.defaults()) <= set(check_type.field_names)


def test_it_sorts_types_into_the_sets_the_queue_uses() -> None:
    assert {"grep", "file", "consistency"} == registry.FILE_CHECK_TYPES
    assert {"command", "http", "threshold"} == registry.SLOW_CHECK_TYPES
    assert registry.names() - registry.FILE_CHECK_TYPES - registry.SLOW_CHECK_TYPES == {"manual"}


def test_it_refuses_a_type_whose_runner_does_not_fit_its_kind() -> None:
    options = registry.get("manual").options

    with pytest.raises(TypeError, match="has run and no evaluate"):
        CheckType("slow", Kind.SLOW, options)
    with pytest.raises(TypeError, match="has evaluate and no run"):
        CheckType("scan", Kind.FILE, options, run=lambda spec, options, ctx: None)


# A check type of its own, as a new module would declare it.


@dataclass(frozen=True, kw_only=True)
class EchoOptions:
    said: str = option(read.text, note=" for an echo check")
    times: int = option(read.integer(minimum=1, maximum=3), 1)


def run_echo(spec: CheckSpec, options: EchoOptions, ctx: RunContext) -> Outcome:
    return Outcome(Status.PASS, " ".join([options.said] * options.times))


ECHO = CheckType("echo", Kind.INLINE, EchoOptions, run=run_echo)


@pytest.fixture
def with_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._BY_NAME, "echo", ECHO)


def echo_checklist(**fields: Any) -> str:
    check = {"key": "hello", "type": "echo", **fields}
    return json.dumps({"version": 1, "name": "t", "categories": [{"key": "c", "checks": [check]}]})


def test_it_loads_runs_and_dumps_a_type_declared_in_one_module(with_echo: None) -> None:
    checklist = load_checklist(echo_checklist(said="hi", times=2))

    outcomes = run_checklist(checklist, RunContext(repo=Path("."), now=NOW))

    assert checklist.check("hello").options == {"said": "hi", "times": 2}
    assert outcomes["hello"].summary == "hi hi"
    assert load_checklist(dump_checklist(checklist)) == checklist


def test_it_validates_a_new_type_with_its_declared_readers(with_echo: None) -> None:
    with pytest.raises(ChecklistError) as caught:
        load_checklist(echo_checklist(times=5, loud=True))

    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "categories[0].checks[0].loud",
            "unknown field for a echo check; allowed: key, name, description, type, weight, "
            "severity, level, said, times",
        ),
        ("categories[0].checks[0].said", "is required for an echo check"),
        ("categories[0].checks[0].times", "must be 1..3, not 5"),
    ]


def test_it_types_the_options_a_runner_receives() -> None:
    check = {"key": "h", "type": "http", "url": "http://h/"}
    text = json.dumps({"version": 1, "name": "t", "categories": [{"key": "c", "checks": [check]}]})

    options = registry.get("http").typed(load_checklist(text).check("h").options)

    hints = typing.get_type_hints(type(options))
    assert options.expect_status == (200,)
    assert hints["expect_status"] == tuple[int, ...]

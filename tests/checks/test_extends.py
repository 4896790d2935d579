"""Shared checklists: `extends`, `params` and `overrides`, merged and validated at their lines."""

from __future__ import annotations

import pytest

from checks.checklist import ChecklistError, load_checklist
from checks.extends import BaseNotFound, substitute_params
from checks.spec import Severity

BASE = """\
version: 1
name: Platform base
ready_at: 8.5
levels: [bronze, silver, gold]
params:
  region: eu
categories:
  - key: security
    weight: 2
    checks:
      - key: debug-off
        type: grep
        paths: ["**/settings.py"]
        pattern: 'SERVICE = "${service}"'
      - key: health
        type: http
        url: "https://${service}.${region}.example.com/health"
        level: silver
  - key: ops
    checks:
      - key: runbook
        type: file
        paths: [docs/runbook.md]
"""


HEADER = "version: 1\nextends: platform/base\nparams: {service: a}\n"


def resolver(files: dict[str, str]):
    def resolve(ref: str) -> tuple[str, str]:
        if ref not in files:
            raise BaseNotFound(f"no base checklist {ref!r}")
        return files[ref], f"{ref}.yml"

    return resolve


def load(text: str, files: dict[str, str] | None = None, **kwargs):
    return load_checklist(
        text, filename="project.yml", resolve=resolver(files or {"platform/base": BASE}), **kwargs
    )


def problems(text: str, files: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load(text, files)
    return [str(problem) for problem in caught.value.problems]


def test_it_inherits_the_base_with_params_substituted():
    checklist = load("version: 1\nextends: platform/base\nparams:\n  service: pay.api\n")
    assert checklist.name == "Platform base"
    assert checklist.ready_at == 8.5
    assert checklist.levels == ("bronze", "silver", "gold")
    debug = checklist.check("debug-off")
    # In a pattern the value is escaped: a param is a value, not a regular expression.
    assert debug.options["pattern"] == 'SERVICE = "pay\\.api"'
    assert checklist.check("health").options["url"] == "https://pay.api.eu.example.com/health"
    assert checklist.check("health").level == "silver"


def test_it_lets_the_project_override_the_bases_param_defaults():
    checklist = load("version: 1\nextends: platform/base\nparams: {service: a, region: us}\n")
    assert checklist.check("health").options["url"] == "https://a.us.example.com/health"


def test_it_puts_the_path_prefix_before_inherited_globs_only():
    text = """\
version: 1
extends: platform/base
params: {service: a, path_prefix: services/api/}
categories:
  - key: ops
    checks:
      - key: own-file
        type: file
        paths: [Makefile]
"""
    checklist = load(text)
    assert checklist.check("debug-off").options["paths"] == ["services/api/**/settings.py"]
    assert checklist.check("runbook").options["paths"] == ["services/api/docs/runbook.md"]
    assert checklist.check("own-file").options["paths"] == ["Makefile"]


def test_it_adds_checks_and_categories_and_overrides_weight_severity_level():
    text = """\
version: 1
name: Payments
extends: platform/base
params: {service: pay}
overrides:
  debug-off: {weight: 3, severity: critical}
  runbook: {level: gold}
categories:
  - key: ops
    weight: 4
    checks:
      - key: alerts
        type: file
        paths: [alerts.yml]
  - key: payments
    checks:
      - key: stripe
        type: grep
        paths: ["**/*.py"]
        pattern: 'constructEvent\\('
        level: silver
"""
    checklist = load(text)
    assert checklist.name == "Payments"
    assert [c.key for c in checklist.categories] == ["security", "ops", "payments"]
    ops = checklist.categories[1]
    assert ops.weight == 4
    assert [c.key for c in ops.checks] == ["runbook", "alerts"]
    assert checklist.check("debug-off").weight == 3
    assert checklist.check("debug-off").severity == Severity.CRITICAL
    assert checklist.check("runbook").level == "gold"
    assert checklist.check("stripe").level == "silver"


def test_it_names_a_missing_param_at_the_line_of_the_base_that_uses_it():
    found = problems("version: 1\nextends: platform/base\n")
    assert any(p.startswith("platform/base.yml:14 ") and "${service}" in p for p in found)
    assert any(p.startswith("project.yml:2 extends:") for p in found)


def test_a_base_checked_on_its_own_may_leave_params_to_its_projects():
    checklist = load_checklist(BASE, filename="base.yml", template=True)
    assert checklist.check("debug-off").options["pattern"] == 'SERVICE = "x"'


def test_it_refuses_an_unknown_base_at_the_extends_line():
    assert problems("version: 1\nname: P\nextends: platform/nope\n") == [
        "project.yml:3 extends: no base checklist 'platform/nope'"
    ]


def test_it_refuses_a_cycle():
    files = {
        "a/one": "version: 1\nextends: a/two\n",
        "a/two": "version: 1\nextends: a/one\n",
    }
    found = problems("version: 1\nextends: a/one\n", files)
    assert (
        "a/two.yml:2 extends: checklists extend each other in a cycle: a/one → a/two → a/one"
        in found
    )


def test_it_refuses_an_override_of_a_check_the_base_lacks():
    text = HEADER + "overrides:\n  debug-of: {weight: 2}\n"
    assert problems(text) == [
        "project.yml:5 overrides.debug-of: the base platform/base has no check 'debug-of' "
        "(did you mean 'debug-off'?)"
    ]


def test_it_sends_whoever_disables_an_inherited_check_to_a_waiver():
    text = HEADER + "overrides:\n  runbook: {disable: true}\n"
    [found] = problems(text)
    assert found.startswith(
        "project.yml:5 overrides.runbook.disable: an inherited check cannot be disabled"
    )
    assert "waiver" in found


def test_it_refuses_to_redefine_an_inherited_check():
    text = """\
version: 1
extends: platform/base
params: {service: a}
categories:
  - key: ops
    checks:
      - key: runbook
        type: file
        paths: [RUNBOOK.md]
"""
    [found] = problems(text)
    assert found.startswith("project.yml:7 categories: check 'runbook' is inherited")


def test_it_refuses_a_level_the_base_does_not_declare_and_levels_of_its_own():
    text = HEADER + "levels: [x]\noverrides:\n  runbook: {level: platinum}\n"
    found = problems(text)
    assert found[0].startswith("project.yml:4 levels: the levels come from the base")
    assert found[1] == (
        "project.yml:6 overrides.runbook.level: 'platinum' is not one of the checklist's "
        "levels: bronze, silver, gold"
    )


def test_it_refuses_extends_where_no_base_can_be_read():
    with pytest.raises(ChecklistError) as caught:
        load_checklist("version: 1\nextends: platform/base\n", filename="p.yml")
    assert "cannot read the base 'platform/base' here" in str(caught.value)


def test_it_refuses_overrides_without_extends_and_a_param_a_file_uses_without_giving():
    text = """\
version: 1
name: P
overrides:
  a: {weight: 2}
categories:
  - key: ops
    checks:
      - key: own
        type: file
        paths: ["${folder}/x"]
"""
    found = problems(text)
    assert found[0].startswith("project.yml:3 overrides: needs `extends:`")
    assert found[1].startswith("project.yml:10 categories[0].checks[0].paths[0]: uses ${folder}")


def test_substitution_escapes_for_patterns_and_keeps_run_time_placeholders():
    assert substitute_params("${a}-${base_url}-$${a}", {"a": "x.y"}, regex=True) == (
        "x\\.y-${base_url}-${a}",
        [],
    )
    assert substitute_params("${a}/${b}", {"a": "1"}, regex=False) == ("1/${b}", ["b"])

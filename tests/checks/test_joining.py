"""Joining a campaign's checks to a base checklist's text: the result means what the data
merge says, and every comment and untouched line of the base is kept."""

from __future__ import annotations

import copy

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.checklist import load_checklist
from checks.joining import joined_data, joined_text

BASE = """\
version: 1
# The organisation's standard: owned by the platform team.
name: Org standard
levels: [bronze, silver, gold]
categories:
  # Documentation first.
  - key: docs
    checks:
      - key: readme   # every service has one
        type: file
        paths: [README.md]
      - key: runbook
        type: file
        paths: [docs/runbook.md]
        level: silver
        severity: high  # raised in 2026
  - key: config
    weight: 2
    checks:
      - key: service-name
        type: grep
        paths: [service.toml]
        pattern: 'name = "${service}"'
        level: gold
        description: |
          The service names itself.

# Last reviewed: 2026-10.
"""

CAMPAIGN = """\
version: 1
overrides:
  runbook: {severity: critical}
  readme: {weight: 2}
categories:
  - key: docs
    checks:
      # Release notes tell the on-call what changed.
      - key: changelog
        type: file
        paths: [CHANGELOG.md]
  - key: ops
    name: Operations
    checks: [{key: slo, type: file, paths: [slo.yml]}]
"""


def test_it_keeps_the_bases_comments_and_untouched_lines():
    joined = joined_text(BASE, CAMPAIGN)

    assert joined == (
        BASE.replace(
            "        paths: [README.md]\n",
            "        paths: [README.md]\n        weight: 2\n",
        )
        .replace(
            "        severity: high  # raised in 2026\n",
            "        severity: critical  # raised in 2026\n"
            "      - key: changelog\n"
            "        type: file\n"
            "        paths: [CHANGELOG.md]\n",
        )
        .replace(
            "          The service names itself.\n",
            "          The service names itself.\n"
            "  - key: ops\n"
            "    name: Operations\n"
            "    checks: [{key: slo, type: file, paths: [slo.yml]}]\n",
        )
    )
    assert yaml.safe_load(joined) == joined_data(yaml.safe_load(BASE), yaml.safe_load(CAMPAIGN))
    load_checklist(joined, filename="org/standard", template=True)


def test_overrides_of_inherited_checks_go_into_the_bases_own_overrides():
    base = "version: 1\nextends: org/root  # the root\noverrides:\n  tls: {weight: 2}  # why\n"
    campaign = "version: 1\noverrides:\n  tls: {severity: critical}\n  backup: {level: gold}\n"

    joined = joined_text(base, campaign)

    assert joined == (
        "version: 1\nextends: org/root  # the root\noverrides:\n"
        "  tls: {weight: 2, severity: critical}  # why\n"
        "  backup: {level: gold}\n"
    )
    assert joined_text("version: 1\nextends: org/root\n", campaign) == (
        "version: 1\nextends: org/root\noverrides:\n"
        "  tls: {severity: critical}\n  backup: {level: gold}\n"
    )


# Random bases written in the styles people use, and random campaigns on them.

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"])
SCALARS = {
    "weight": st.sampled_from([1, 2, 0.5]),
    "severity": st.sampled_from(["low", "high", "critical"]),
    "level": st.sampled_from(["bronze", "gold"]),
}


@st.composite
def checks(draw, keys):
    found = []
    for key in keys:
        check = {"key": key, "type": "manual"}
        for name in draw(st.lists(st.sampled_from(sorted(SCALARS)), unique=True, max_size=2)):
            check[name] = draw(SCALARS[name])
        found.append(check)
    return found


@st.composite
def base_and_campaign(draw):
    check_keys = iter([f"k{n}" for n in range(40)])
    categories = []
    for key in draw(st.lists(KEYS, unique=True, min_size=1, max_size=3)):
        category = {"key": key}
        if draw(st.booleans()):
            category["weight"] = 2
        count = draw(st.integers(0, 3))
        if count or draw(st.booleans()):
            category["checks"] = draw(checks([next(check_keys) for _ in range(count)]))
        categories.append(category)
    base = {"version": 1, "name": "Base", "categories": categories}
    inherited = draw(st.lists(st.sampled_from(["x1", "x2", "x3"]), unique=True, max_size=2))
    if inherited:
        base["overrides"] = {key: {"weight": 2} for key in inherited}
    own = [c["key"] for cat in categories for c in cat.get("checks", [])]
    campaign_categories = []
    for key in draw(st.lists(KEYS, unique=True, max_size=3)):
        count = draw(st.integers(1, 2))
        campaign_categories.append(
            {"key": key, "checks": draw(checks([next(check_keys) for _ in range(count)]))}
        )
    targets = draw(
        st.lists(st.sampled_from([*own, "x1", "x2", "x3", "y1"]), unique=True, max_size=4)
    )
    overrides = {
        key: {draw(st.sampled_from(sorted(SCALARS))): draw(st.sampled_from(["gold", 3]))}
        for key in targets
    }
    campaign = {"version": 1}
    if overrides:
        campaign["overrides"] = overrides
    if campaign_categories:
        campaign["categories"] = campaign_categories
    return base, campaign, draw(st.sampled_from(["block", "flow", "indentless"]))


def _flow(value) -> str:
    return yaml.safe_dump([value], default_flow_style=True, width=10**6).strip()[1:-1]


def write(base: dict, style: str) -> str:
    """`base` as a file in `style`, with a comment after every line and between sections."""
    dash = "" if style == "indentless" else "  "
    lines = ["version: 1  # format", "# Owned by the platform team.", "name: Base"]
    lines.append("categories:")
    for category in base["categories"]:
        lines.append(f"{dash}- key: {category['key']}  # category")
        pad = dash + "  "
        if "weight" in category:
            lines.append(f"{pad}weight: {category['weight']}")
        if "checks" not in category:
            continue
        if style == "flow" or not category["checks"]:
            lines.append(f"{pad}checks: {_flow(category['checks'])}  # flow")
            continue
        lines.append(f"{pad}checks:")
        for check in category["checks"]:
            first, *rest = list(check.items())
            lines.append(f"{pad}{dash}- {first[0]}: {first[1]}  # check")
            lines += [f"{pad}{dash}  {name}: {_flow(value)}" for name, value in rest]
        lines.append(f"{pad}# after the checks of {category['key']}")
    if "overrides" in base:
        lines.append("overrides:  # inherited")
        lines += [f"  {key}: {_flow(value)}  # o" for key, value in base["overrides"].items()]
    lines.append("# The end.")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(base_and_campaign())
def test_the_joined_text_means_the_joined_data_and_keeps_every_comment(case):
    base, campaign, style = case
    text = write(base, style)
    assert yaml.safe_load(text) == base

    joined = joined_text(text, yaml.safe_dump(campaign, sort_keys=False))

    assert yaml.safe_load(joined) == joined_data(copy.deepcopy(base), campaign)
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    assert [line.split("#", 1)[1] for line in joined.splitlines() if "#" in line] == comments

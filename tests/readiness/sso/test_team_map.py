"""READINESS_OIDC_TEAM_MAP: its syntax, the message that names a bad entry, and the roles a
provider's claims give."""

from __future__ import annotations

import pytest

from readiness.sso.team_map import TeamMapError, TeamRule, team_map_parse, team_roles

MAP = (
    "groups:platform-admins=platform:admin, groups:devs=platform:editor,"
    "domain:Example.com=platform:viewer\n roles:data%2Cteam=data:editor"
)


def test_it_reads_entries_separated_by_commas_or_new_lines():
    assert team_map_parse(MAP) == (
        TeamRule("groups", "platform-admins", "platform", "admin"),
        TeamRule("groups", "devs", "platform", "editor"),
        TeamRule("domain", "Example.com", "platform", "viewer"),
        TeamRule("roles", "data,team", "data", "editor"),
    )


@pytest.mark.parametrize("text", ["", "  ", " , ,\n"])
def test_an_empty_map_has_no_rules(text):
    assert team_map_parse(text) == ()


def test_escapes_let_a_value_or_claim_hold_separators():
    (rule,) = team_map_parse("https%3A//example.com/roles:cn%3Dadmins%2Cou%3Dx 100%25=ops:admin")

    assert rule == TeamRule("https://example.com/roles", "cn=admins,ou=x 100%", "ops", "admin")


def test_a_value_may_hold_a_colon():
    (rule,) = team_map_parse("groups:org:platform=platform:viewer")

    assert (rule.claim, rule.value) == ("groups", "org:platform")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("groups:devs=platform", r"entry 1 \('groups:devs=platform'\): expected <claim>:<value>="),
        ("groups=platform:admin", r"entry 1 \('groups=platform:admin'\): expected <claim>:<value>"),
        (
            "groups:a=b=platform:admin",
            r"entry 1 .*: expected .*, with one '=' \(write an '=' in a value as %3D\)",
        ),
        ("groups:devs=platform:owner", r"entry 1 .*: role 'owner' is not one of viewer, edito"),
        ("groups:devs=platform:Admin", r"role 'Admin' is not one of"),
        ("groups:=platform:admin", r"entry 1 .*: the value is empty"),
        (":devs=platform:admin", r"entry 1 .*: the claim is empty"),
        ("groups:devs=Platform Team:admin", r"'Platform Team' is not a team slug"),
        ("groups:devs=:admin", r"'' is not a team slug"),
        ("groups:100%=ops:admin", r"'100%' has a '%' that is not an escape like %2C"),
        (
            "groups:a=x:viewer, groups:b=y:viewer,groups:devs=x:admin,groups:devs=x:viewer",
            r"entry 4 \('groups:devs=x:viewer'\): groups:devs is already mapped to team 'x' "
            r"\(as admin\)",
        ),
        ("domain:example.com=x:viewer,domain:EXAMPLE.com=x:admin", r"entry 2 .* already mapped"),
    ],
)
def test_a_bad_entry_is_named_with_what_is_wrong(text, message):
    with pytest.raises(TeamMapError, match=message):
        team_map_parse(text)


def test_the_highest_role_a_claim_gives_wins_and_unmatched_teams_get_none():
    rules = team_map_parse(MAP + ", groups:ops=ops:editor")
    claims = {"groups": ["devs", "platform-admins"], "email": "a@example.com"}

    found = team_roles(rules, claims, email_verified=True)

    assert {team: role for team, (role, _rules) in found.items()} == {
        "platform": "admin",
        "data": None,
        "ops": None,
    }
    assert [str(rule) for rule in found["platform"][1]] == [
        "groups:platform-admins",
        "groups:devs",
        "domain:Example.com",
    ]


def test_a_claim_may_be_one_string_and_values_match_exactly():
    rules = team_map_parse("roles:data-team=data:editor,groups:devs=platform:editor")

    found = team_roles(rules, {"roles": "data-team", "groups": ["Devs"]}, email_verified=False)

    assert found["data"][0] == "editor"
    assert found["platform"][0] is None


def test_the_domain_counts_only_when_the_address_is_verified_and_not_for_subdomains():
    rules = team_map_parse("domain:example.com=platform:viewer")

    def role(email, verified):
        return team_roles(rules, {"email": email}, email_verified=verified)["platform"][0]

    assert role("a@EXAMPLE.com", True) == "viewer"
    assert role("a@example.com", False) is None
    assert role("a@eu.example.com", True) is None
    assert role("a@example.com.evil.test", True) is None

"""The GitHub Actions starter on small repositories shaped like real projects' workflows:
each fixture reproduces one project's workflows and idioms, with the status a person
reading it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "github-actions"

ALL_PASS = {
    "actions-pinned-by-sha": "pass",
    "permissions-declared": "pass",
    "no-write-all-permissions": "pass",
    "no-privileged-checkout-of-pr-code": "pass",
    "no-untrusted-input-in-scripts": "pass",
    "workflows-linted": "pass",
    "no-secrets-inherit": "pass",
    "no-insecure-commands": "pass",
    "job-timeouts": "pass",
    "dependency-updates": "pass",
}

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"

# Shaped like OpenSSF Scorecard: every action pinned by SHA, the SLSA generator called by
# tag (as it must be), a pull_request_target workflow that never checks out the PR, the
# PR title passed through env:, a comment's metadata read in github-script, Dependabot.
SCORECARD = Fixture(
    "scorecard",
    "OpenSSF Scorecard (.github/workflows, hardened)",
    {
        ".github/workflows/verify.yml": f"""
            on:
              pull_request_target:
                types: [opened, edited]
            permissions:
              contents: read
            jobs:
              verify:
                steps:
                  # Never checkout the PR branch in pull_request_target
                  - uses: kubernetes-sigs/kubebuilder-release-tools@{SHA} # v0.4.3
                    env:
                      PR_TITLE: ${{{{ github.event.pull_request.title }}}}
        """,
        ".github/workflows/goreleaser.yaml": """
            permissions: read-all
            jobs:
              provenance:
                uses: slsa-framework/slsa-github-generator/.github/workflows/generic.yml@v2.1.0
        """,
        ".github/workflows/scdiff.yml": f"""
            permissions:
              contents: read
            jobs:
              golden:
                if: ${{{{ contains(github.event.comment.body, '/scdiff generate') }}}}
                steps:
                  - uses: actions/github-script@{SHA}
                    with:
                      script: |
                        const when = new Date('${{{{ github.event.comment.created_at }}}}');
                  - run: echo "$COMMENT_BODY"
                    env:
                      COMMENT_BODY: ${{{{ github.event.comment.body }}}}
        """,
        ".github/workflows/integration.yml": f"""
            on:
              pull_request:
            permissions:
              contents: read
            jobs:
              tests:
                steps:
                  - uses: actions/checkout@{SHA}
                    with:
                      ref: ${{{{ github.event.pull_request.head.sha }}}}
        """,
        ".github/dependabot.yml": """
            updates:
              - package-ecosystem: "github-actions"
        """,
    },
    {**ALL_PASS, "workflows-linted": "fail", "job-timeouts": "fail"},
)

# Shaped like Online Boutique: actions by tag (GitHub's own exempt, google-github-actions
# and docker not), three workflows without permissions, a workflow_run deployment that
# checks out the PR's head, a PR number echoed in run (not untrusted), Renovate.
BOUTIQUE = Fixture(
    "online-boutique",
    "Online Boutique (.github/workflows with PR deployments to staging)",
    {
        ".github/workflows/ci-main.yaml": """
            permissions:
              contents: read
            jobs:
              code-tests:
                steps:
                - uses: actions/checkout@v7
                - name: Authenticate
                  uses: google-github-actions/auth@v3
                - uses: docker/setup-buildx-action@v4
        """,
        ".github/workflows/helm-chart-ci.yaml": """
            jobs:
              helm:
                steps:
                - uses: actions/checkout@v7
                - run: helm lint helm-chart/
        """,
        ".github/workflows/deploy-pr.yaml": """
            name: "Deploy Staging - Pull Request"
            on:
              workflow_run:
                workflows: ["Continuous Integration - Pull Request"]
            jobs:
              deployment-tests:
                permissions:
                  id-token: write
                steps:
                - uses: actions/checkout@v7
                  with:
                    repository: ${{ github.event.workflow_run.head_repository.full_name }}
                    ref: ${{ github.event.workflow_run.head_sha }}
                - run: |
                    PR_NUMBER="${{ github.event.workflow_run.pull_requests[0].number }}"
        """,
        ".github/renovate.json5": "{ extends: ['config:recommended'] }\n",
    },
    {
        **ALL_PASS,
        "actions-pinned-by-sha": "fail",
        "permissions-declared": "fail",
        "no-privileged-checkout-of-pr-code": "fail",
        "workflows-linted": "fail",
        "job-timeouts": "fail",
    },
)

# A project's workflows with the classic mistakes: a triage bot greeting an issue by its
# title in `run:`, a labeler on pull_request_target that checks out and tests the PR
# branch, write-all permissions, a third-party action on a branch, no update bot.
TRIAGE_BOT = Fixture(
    "triage-bot",
    "workflows with injection and pwn-request mistakes",
    {
        ".github/workflows/greet.yml": """
            on: issues
            permissions: write-all
            jobs:
              greet:
                steps:
                  - run: |
                      echo "Thanks for ${{ github.event.issue.title }}"
                  - run: gh issue comment ${{ github.event.issue.number }} --body "hi"
        """,
        ".github/workflows/label.yml": """
            on:
              pull_request_target:
            permissions:
              pull-requests: write
            jobs:
              test:
                steps:
                  - uses: actions/checkout@v4
                    with:
                      ref: ${{ github.head_ref }}
                  - uses: some-org/labeler@main
                  - run: npm test
                    env:
                      ACTIONS_ALLOW_UNSECURE_COMMANDS: true
              release:
                uses: ./.github/workflows/release.yml
                secrets: inherit
        """,
    },
    {
        "actions-pinned-by-sha": "fail",
        "permissions-declared": "pass",
        "no-write-all-permissions": "fail",
        "no-privileged-checkout-of-pr-code": "fail",
        "no-untrusted-input-in-scripts": "fail",
        "workflows-linted": "fail",
        "no-secrets-inherit": "fail",
        "no-insecure-commands": "fail",
        "job-timeouts": "fail",
        "dependency-updates": "fail",
    },
)

# Shaped like podinfo: SHA-pinned actions with version comments, a local composite action
# (exempt) whose own steps are pinned, permissions on every workflow, Dependabot.
PODINFO = Fixture(
    "podinfo",
    "podinfo (.github/workflows and a local composite action)",
    {
        ".github/workflows/test.yml": f"""
            permissions:
              contents: read
            jobs:
              test:
                steps:
                  - uses: actions/checkout@{SHA} # v7.0.1
                  - uses: ./.github/actions/runner-cleanup
                  - uses: golang/govulncheck-action@{SHA} # v1.1.0
                  - uses: docker://ghcr.io/example/tool:1.2
        """,
        ".github/actions/runner-cleanup/action.yml": f"""
            runs:
              using: composite
              steps:
                - uses: jlumbroso/free-disk-space@{SHA} # v1.3.1
        """,
        ".github/dependabot.yaml": "updates:\n  - package-ecosystem: github-actions\n",
    },
    {**ALL_PASS, "workflows-linted": "fail", "job-timeouts": "fail"},
)

# Shaped like the full-stack FastAPI template: workflows hardened with zizmor (run in its
# own workflow; `# zizmor: ignore` comments on purposeful triggers), `permissions: {}` at
# the top and per job, timeouts on every job, a pull_request_target bot that only reads
# the event, Dependabot.
FULL_STACK = Fixture(
    "full-stack-fastapi-template",
    "the full-stack FastAPI template (.github/workflows hardened with zizmor)",
    {
        ".github/workflows/zizmor.yml": f"""
            on: [push, pull_request]
            permissions: {{}}
            jobs:
              zizmor:
                timeout-minutes: 10
                permissions:
                  security-events: write
                steps:
                  - name: Run zizmor
                    uses: zizmorcore/zizmor-action@{SHA} # v0.5.6
        """,
        ".github/workflows/issue-manager.yml": f"""
            on:
              pull_request_target: # zizmor: ignore[dangerous-triggers]
                types: [labeled]
            permissions: {{}}
            jobs:
              issue-manager:
                timeout-minutes: 5
                permissions:
                  issues: write
                steps:
                  - uses: tiangolo/issue-manager@{SHA} # 0.8.1
        """,
        ".github/dependabot.yml": "updates:\n  - package-ecosystem: github-actions\n",
    },
    ALL_PASS,
)

FIXTURES = [SCORECARD, BOUTIQUE, TRIAGE_BOT, PODINFO, FULL_STACK]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_lists_the_offending_lines(tmp_path):
    outcomes = run_starter(STARTER, build(TRIAGE_BOT, tmp_path / "bot"))
    injected = outcomes["no-untrusted-input-in-scripts"].evidence
    assert [(item.path, item.line) for item in injected] == [(".github/workflows/greet.yml", 7)]
    pinned = outcomes["actions-pinned-by-sha"].evidence
    assert [(item.path, item.line) for item in pinned] == [(".github/workflows/label.yml", 11)]


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("- uses: docker/login-action@v3", True),
        ("- uses: docker/login-action@3d3c42e", True),
        (f"- uses: docker/login-action@{SHA}", False),
        (f"- uses: 'docker/login-action@{SHA}' # v3.4.0", False),
        ("- uses: actions/setup-go@v6", False),
        ("- uses: actionsx/tool@v1", True),
        ("- uses: github/codeql-action/init@v3", False),
    ],
)
def test_third_party_actions_need_a_full_sha(tmp_path, line, reported):
    files = {
        ".github/workflows/ci.yml": f"permissions: {{}}\njobs:\n  a:\n    steps:\n      {line}\n",
        ".github/dependabot.yml": "updates: []\n",
    }
    fixture = Fixture("one-line", "one uses: line", files, {})
    outcome = run_starter(STARTER, build(fixture, tmp_path))["actions-pinned-by-sha"]
    assert str(outcome.status) == ("fail" if reported else "pass")

"""The single sign-on's environment: off when READINESS_OIDC_ISSUER is unset; a bad value
stops the server at startup with a message naming the variable and the entry."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

STARTUP = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.AUTHENTICATION_BACKENDS[-1], s.READINESS_OIDC_NAME, len(s.READINESS_OIDC_TEAM_RULES))"
)
ON = {
    "READINESS_OIDC_ISSUER": "https://login.example.com/realms/main",
    "READINESS_OIDC_CLIENT_ID": "readiness",
    "READINESS_OIDC_CLIENT_SECRET": "s3cret",
}


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with `env` on top of a clean SSO environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_OIDC_")}
    return subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "readiness.settings",
            "READINESS_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sso_is_off_and_the_backends_unchanged_without_an_issuer(tmp_path):
    result = start(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.auth.backends.ModelBackend", "0"]


def test_an_issuer_with_its_client_turns_sso_on(tmp_path):
    result = start(
        tmp_path,
        **ON,
        READINESS_OIDC_NAME="Example ID",
        READINESS_OIDC_TEAM_MAP="groups:devs=platform:editor,domain:example.com=platform:viewer",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["readiness.sso.backend.SsoBackend", "Example", "ID", "2"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {**ON, "READINESS_OIDC_TEAM_MAP": "groups:devs=platform:editor,groups:ops=ops"},
            "READINESS_OIDC_TEAM_MAP: entry 2 ('groups:ops=ops'): expected "
            "<claim>:<value>=<team slug>:<role>",
        ),
        (
            {"READINESS_OIDC_TEAM_MAP": "groups:devs=platform:editor"},
            "READINESS_OIDC_TEAM_MAP is set but READINESS_OIDC_ISSUER is not",
        ),
        (
            {**ON, "READINESS_OIDC_CLIENT_SECRET": ""},
            "READINESS_OIDC_CLIENT_SECRET is empty",
        ),
        (
            {**ON, "READINESS_OIDC_ISSUER": "http://login.example.com"},
            "READINESS_OIDC_ISSUER='http://login.example.com': an issuer is reached over https",
        ),
        (
            {**ON, "READINESS_OIDC_ISSUER": "login.example.com"},
            "READINESS_OIDC_ISSUER='login.example.com' is not an issuer URL",
        ),
        (
            {**ON, "READINESS_OIDC_SIGN_ALGORITHM": "HS256"},
            "READINESS_OIDC_SIGN_ALGORITHM='HS256' is not one of",
        ),
    ],
)
def test_a_bad_value_stops_the_start_with_a_message_naming_it(tmp_path, env, message):
    result = start(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: " + message in result.stderr, result.stderr[-2000:]


def test_the_name_defaults_to_the_issuers_host(tmp_path):
    result = start(tmp_path, **ON)

    assert result.stdout.split()[1] == "login.example.com"

"""Deployment settings, read from the environment by a fresh process as a server reads
them: the README's production environment passes `check --deploy` with no warning, and
READINESS_HTTPS turns on the redirect, HSTS, secure cookies and the proxy header."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

README = Path(settings.BASE_DIR) / "README.md"
TIMEOUT_S = 120

# Run in a fresh process: what the settings make of the environment, and what the
# dashboard answers over plain HTTP and behind a proxy that says HTTPS.
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client()
plain = client.get("/")
health = client.get("/health/")
proxied = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in (
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )},
    "plain": [plain.status_code, plain.headers.get("Location")],
    "health": health.status_code,
    "proxied": [proxied.status_code, proxied.headers.get("Strict-Transport-Security")],
    "csrf_cookie_secure": bool(proxied.cookies["csrftoken"]["secure"]),
}))
"""


def production_environment() -> dict[str, str]:
    """The lines of the README's production environment, with a new secret key where the
    README says how to make one."""
    section = README.read_text(encoding="utf-8").split("\n## Running in production\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the README's production section has no ```sh block"
    env = dict(line.split("=", 1) for line in block[1].splitlines() if line.strip())
    assert env["SECRET_KEY"].startswith("<"), "the README must not publish a secret key"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    placeholders = [name for name, value in env.items() if value.startswith("<")]
    assert not placeholders, f"usable values are needed for {placeholders}"
    return env


def run(args: list[str], env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess:
    """A process that sees only `env` (and where to find Python), its data in `data_dir`."""
    base = {"PATH": os.environ["PATH"], "HOME": str(data_dir), "READINESS_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "readiness.settings"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def probe(env: dict[str, str], data_dir: Path) -> dict:
    result = run(["-c", PROBE], env, data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_readmes_production_environment_passes_check_deploy_without_a_warning(tmp_path):
    env = production_environment()
    assert env["READINESS_HTTPS"] == "true"
    assert env["DEBUG"] == "false"

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_readiness_https_the_same_environment_gets_the_four_https_warnings(tmp_path):
    env = {**production_environment(), "READINESS_HTTPS": "false"}

    result = run(["manage.py", "check", "--deploy"], env, tmp_path)

    found = set(re.findall(r"security\.W\d+", result.stderr))
    assert found == {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_readiness_https_redirects_sends_hsts_and_secures_cookies_behind_a_proxy(tmp_path):
    answers = probe({"READINESS_HTTPS": "true"}, tmp_path)

    assert answers["settings"] == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    assert answers["plain"] == [301, "https://testserver/"]
    # Load balancers probe over plain HTTP.
    assert answers["health"] == 200
    assert answers["proxied"] == [200, "max-age=31536000; includeSubDomains"]
    assert answers["csrf_cookie_secure"] is True


def test_hsts_max_age_comes_from_the_environment(tmp_path):
    answers = probe({"READINESS_HTTPS": "true", "READINESS_HSTS_SECONDS": "300"}, tmp_path)

    assert answers["proxied"] == [200, "max-age=300; includeSubDomains"]


def test_without_readiness_https_plain_http_is_served_and_no_proxy_header_is_believed(
    tmp_path,
):
    answers = probe({}, tmp_path)

    assert answers["settings"]["SECURE_SSL_REDIRECT"] is False
    assert answers["settings"]["SESSION_COOKIE_SECURE"] is False
    assert answers["settings"]["SECURE_PROXY_SSL_HEADER"] is None
    assert answers["plain"] == [302, "/accounts/login/?next=/"]
    assert answers["proxied"] == [200, None]

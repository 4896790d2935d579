"""What a command needs beyond the repository: a live database, a cloud account, a
running service. Such commands become disabled command checks that say so."""

from __future__ import annotations

import posixpath
import re

_DATABASES = {
    "psql",
    "pg_dump",
    "pg_isready",
    "mysql",
    "mysqladmin",
    "mongo",
    "mongosh",
    "redis-cli",
    "sqlplus",
    "cqlsh",
    "clickhouse-client",
    "influx",
    "supabase",
}
_CLOUDS = {
    "aws",
    "gcloud",
    "gsutil",
    "bq",
    "az",
    "firebase",
    "kubectl",
    "helm",
    "heroku",
    "flyctl",
    "fly",
    "vercel",
    "netlify",
    "doctl",
    "terraform",
    "pulumi",
    "wrangler",
    "eksctl",
    "oc",
}
_LOCAL_HOST = re.compile(r"^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|::1)$")


def needs_of(argv: list[str]) -> str:
    """A sentence saying what the command needs, or "" when the repository is enough."""
    program = posixpath.basename(argv[0]) if argv else ""
    if program in _DATABASES:
        return f"Needs a live database ({program})."
    if program in _CLOUDS:
        return f"Needs a cloud account and its credentials ({program})."
    return ""


def is_local_host(host: str) -> bool:
    return bool(_LOCAL_HOST.match(host))


def with_needs(description: str, needs: str) -> str:
    """The description, with what the command needs as its first line."""
    return f"{needs}\n{description}" if needs and description else needs or description

"""`curl URL` / `wget URL` lines → an HTTP plan: the URL, and whether it is a real one.

A real URL is an http(s) address with a public-looking host, without placeholders
(`<domain>`, `$HOST`, `{id}`, `your-…`, example.com, .test/.invalid/.local). Requests
that send data or write a file (other than to /dev/null) are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from readiness.importer._needs import is_local_host
from readiness.importer._shell import Word, refuse
from readiness.importer.notes import NoteMessage

_SENDING = ("-d", "--data", "-F", "--form", "-T", "--upload-file", "--json")
_VALUED = {
    "-w",
    "--write-out",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-H",
    "--header",
    "-u",
    "--user",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-X",
    "--request",
    "-o",
    "--output",
    "-O",
    "--output-document",
    "--retry",
    "-b",
    "--cookie",
}
_PLACEHOLDER_HOST = re.compile(
    r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|local|localdomain|internal)$|"
    r"your|xxx|<|>|\{|\}|\$"
)


@dataclass
class HttpPlan:
    argv: list[str]
    url: str
    method: str = "GET"
    real: bool = False  # a URL a check can request as it is
    local: bool = False  # localhost: needs the service running where checks run
    approx: list[NoteMessage] = field(default_factory=list)


def http_plan(words: list[Word]) -> HttpPlan:
    """The plan of one `curl …` or `wget …` command (no pipeline)."""
    argv = [w.text for w in words]
    url = ""
    method = "GET"
    expands = False
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in _SENDING or arg.startswith(("--data", "--form")):
            raise refuse(_("%(program)s here sends data or writes a file"), program=argv[0])
        if arg in ("-X", "--request") and i + 1 < len(argv):
            method = argv[i + 1].upper()
        if (
            arg in ("-o", "--output", "-O", "--output-document")
            and i + 1 < len(argv)
            and argv[i + 1] not in ("/dev/null", "-")
        ):
            raise refuse(_("%(program)s here sends data or writes a file"), program=argv[0])
        if arg in ("-I", "--head"):
            method = "HEAD"
        if arg in _VALUED:
            i += 2
            continue
        if not arg.startswith("-") and not url:
            url = arg
            expands = words[i].expands
        i += 1
    if method not in ("GET", "HEAD"):
        raise refuse(_("%(program)s here sends data or writes a file"), program=argv[0])
    if not url:
        raise refuse(_("%(program)s without a URL"), program=argv[0])
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    local = is_local_host(host)
    real = (
        not expands
        and parts.scheme in ("http", "https")
        and "." in host
        and not local
        and not _PLACEHOLDER_HOST.search(host)
        and not re.search(r"[<>{}$]", url)
    )
    return HttpPlan(argv, url, method, real=real, local=local)

"""Screenshots of the dashboard for the README, made from the demo as `bin/run` sets it up.

Starts the web server and a worker on a throwaway data folder and a free port, runs the
demo, waits for its live assessment, and saves the overview, project, standup and history
pages at 1366×900 in English and French to docs/screenshots/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VENV = ROOT / ".venv" / "bin"
VIEWPORT = {"width": 1366, "height": 900}
PAGES = ("overview", "project", "standup", "history")


def _port() -> int:
    """8000, where the demo's checklist expects the service, unless something holds it."""
    for wanted in (8000, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", wanted))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise SystemExit("no free port")


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:g} s")


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "readiness-demo")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/")


def _wait_until_idle(page: Page, base: str, seconds: float = 300) -> None:
    """Until no assessment of the demo is running (its live run goes through the worker)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(f"{base}/")
        if page.locator("[data-running], .running").count() == 0:
            return
        time.sleep(2)
    raise SystemExit("the demo's assessment did not finish in time")


def main() -> None:
    port = _port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="readiness-screenshots-") as data:
        env = {
            **os.environ,
            "READINESS_DATA_DIR": data,
            "READINESS_BIND": f"127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        _manage(env, "migrate", "--noinput", "-v0")
        processes = [
            subprocess.Popen(
                [
                    str(VENV / "gunicorn"),
                    "readiness.wsgi",
                    "--bind",
                    env["READINESS_BIND"],
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [str(VENV / "celery"), "-A", "readiness", "worker", "--loglevel", "WARNING"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            _wait_for(f"{base}/health/", 60)
            _manage(env, "demo")
            _shoot(base)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def _shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("READINESS_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        for language in ("en", "fr"):
            context = browser.new_context(viewport=VIEWPORT, locale=language)
            page = context.new_page()
            _log_in(page, base)
            _wait_until_idle(page, base)
            page.goto(f"{base}/projects/readiness/")
            standup = page.get_attribute("a[href*='/standup/']", "href")
            urls = {
                "overview": f"{base}/",
                "project": f"{base}/projects/readiness/",
                "standup": f"{base}{standup}",
                "history": f"{base}/projects/readiness/history/",
            }
            for name in PAGES:
                page.goto(urls[name])
                page.wait_for_load_state("networkidle")
                # Plotly draws after its script loads; give it a moment to settle.
                page.wait_for_timeout(800)
                path = OUT / f"{name}-{language}.png"
                page.screenshot(path=str(path))
                print(path.relative_to(ROOT))
            context.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main())

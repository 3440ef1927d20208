"""Shared pieces of the browser tests: Chromium discovery, signing in, and collecting page errors."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def on_ci():
    """Whether the suite runs on CI (CI=true), where a missing tool fails the run instead of skipping tests."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def missing_tools():
    """{marker: why its tests cannot run} for each tool this machine lacks."""
    missing = {}
    if not HAVE_CHROMIUM:
        missing["browser"] = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
    if not AXE.exists():
        missing["axe"] = f"axe-core not installed at {AXE} (run `npm ci`)"
    return missing


def sign_in(context, live_server, user, *, language=None, environment=None):
    """Give a browser context a signed-in session for `user` without going through the form."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if environment:
        session["portal_environment"] = environment
    session.save()
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    if language:
        cookies.append({"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url})
    context.add_cookies(cookies)


COMPLETE = {
    "#id_technical_emergency-0-email": "oncall@acme.example",
    "#id_technical_non_emergency-0-email": "dev@acme.example",
    "#id_merchant_issues-0-email": "merchants@acme.example",
    "#id_operator-0-email": "ops@acme.example",
    "#id_shared-email": "help@acme.example",
    "#id_support_hours-0-start": "09:00",
    "#id_support_hours-0-end": "17:00",
    "#id_support_hours-0-time_zone": "Europe/Madrid",
}
WEEKDAYS = [f"#id_support_hours-0-days_{day}" for day in range(5)]


def fill_contact_form(page, **changes):
    """Fill the modal's form like a person would: every category, Monday to Friday; `changes` maps ids to values."""
    values = {**COMPLETE, **{f"#id_{key}": value for key, value in changes.items()}}
    for selector, value in values.items():
        page.locator(selector).fill(value)
    for selector in WEEKDAYS:
        page.locator(selector).check()


class PageErrors:
    """Console errors, uncaught exceptions and CSP violations seen by a page: a test fails on any."""

    def __init__(self, page):
        self.messages = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.messages.append(f"console: {message.text}")

    def assert_none(self):
        assert self.messages == [], "\n".join(self.messages)


def run_axe(page, *, context_selector=None):
    """Serious and critical axe-core violations on the page (or inside one element)."""
    page.evaluate(AXE.read_text())
    target = context_selector or "document"
    results = page.evaluate(
        f"""async () => {{
            const context = {"document" if target == "document" else f"document.querySelector({target!r})"};
            const r = await axe.run(context, {{resultTypes: ['violations']}});
            return r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}}));
        }}"""
    )
    return [v for v in results if v["impact"] in {"serious", "critical"}]

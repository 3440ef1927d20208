import inspect
import os
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from partners.models import Role
from tests.helpers import admin_of, make_member, make_partner, signed_in

# --- Hypothesis: `dev` is a quick local run (the default), `ci` is CI's thorough first pass ------------
_FUZZ = {
    "deadline": None,
    "derandomize": True,  # the same inputs on every run: CI never flakes on a new example
    "database": None,  # derandomized runs have nothing to replay: keep .hypothesis/ out of the tree
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("dev", max_examples=50, **_FUZZ)
# CI's thorough profile: ten times dev's examples, within CI's 20-minute budget (1,000 took it to 18-19 minutes).
hypothesis_settings.register_profile("ci", max_examples=500, **_FUZZ)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    config.addinivalue_line("markers", "axe: injects axe-core (from node_modules, `npm ci`) into pages")
    config.addinivalue_line(
        "markers", "stale_status_ok: leaves a partner's stored completeness answer out of step on purpose"
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached renderings are keyed by partner id and version, which a rolled-back test may reuse."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _fast_and_english(settings):
    settings.LANGUAGE_CODE = "en"
    # Tasks run inline unless a test asks for the database queue and a worker (the `db_tasks` fixture).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partner(db):
    """An onboarding partner (reservations: the merchant-issues contact applies) with one Admin."""
    return make_partner("Acme Bookings")


@pytest.fixture
def admin_user(partner):
    return admin_of(partner)


@pytest.fixture
def editor(partner):
    return make_member(partner, Role.EDITOR, name="Eddie Editor")


@pytest.fixture
def viewer(partner):
    return make_member(partner, Role.VIEWER, name="Vera Viewer")


@pytest.fixture
def partner_admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def editor_client(editor):
    return signed_in(editor)


@pytest.fixture
def viewer_client(viewer):
    return signed_in(viewer)


@pytest.fixture
def complete_partner(partner, admin_user):
    """The partner with contact information complete in both environments (the Admin is the alert contact)."""
    from tests.helpers import complete_contacts

    complete_contacts(partner, alerts=[admin_user])
    return partner


# --- The stored completeness answer is derived state: after every test it must match its source -------
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_CALL_FAILED] = True
    return report


def uses_database(request):
    """Whether the test asked for the database (a fixture or the django_db marker)."""
    wanted = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    return bool(wanted) or request.node.get_closest_marker("django_db") is not None


def status_at(partner, now):
    """What `computed_status` says of a partner at `now` (passed on once completeness depends on the clock)."""
    from contacts.services import computed_status

    if "now" in inspect.signature(computed_status).parameters:
        return computed_status(partner, now=now)
    return computed_status(partner)


def stale_statuses(now):
    """Partners whose stored completeness answer differs from what is computed from their contacts."""
    from partners.models import Partner

    stale = []
    for partner in Partner.objects.order_by("pk"):
        stored = (partner.missing_sandbox, partner.missing_production)
        computed = status_at(partner, now)
        if stored != computed:
            stale.append(f"{partner} (pk {partner.pk}): stored {stored}, computed {computed}")
    return stale


@pytest.fixture(autouse=True)
def _stored_status_matches_contacts(request):
    """After a test that used the database, every partner's stored answer equals computed_status.

    Requesting `db` here orders this fixture's teardown before the test database's rollback or flush.
    """
    if not uses_database(request) or request.node.get_closest_marker("stale_status_ok"):
        yield
        return
    request.getfixturevalue("db")
    yield
    if request.node.stash.get(_CALL_FAILED, False):
        return  # the failure says enough; the database may be mid-transaction
    from django.utils import timezone

    stale = stale_statuses(timezone.now())
    assert stale == [], "stored completeness out of step (call contact_status_refresh):\n" + "\n".join(stale)


# --- Browser tests (Playwright driving Debian's Chromium) -------------------------------------
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright share the thread


@pytest.hookimpl(trylast=True)  # after `-m` has deselected: a run without browser tests needs no browser
def pytest_collection_modifyitems(config, items):
    from tests.browser import missing_tools, on_ci

    missing = {marker: reason for marker, reason in missing_tools().items() if any(marker in i.keywords for i in items)}
    if not missing:
        return
    if on_ci():
        raise pytest.UsageError(
            "CI=true and tests need tools that are missing; install them rather than skip the tests:\n  "
            + "\n  ".join(missing.values())
        )
    for marker, reason in missing.items():
        skip = pytest.mark.skip(reason=f"{reason}: NOT run")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    from tests.browser import missing_tools

    skipped = terminalreporter.stats.get("skipped", [])
    for marker, reason in missing_tools().items():
        count = sum(marker in report.keywords for report in skipped)
        if count:
            terminalreporter.write_sep("!", f"{count} {marker.upper()} TESTS SKIPPED: {reason}", red=True)
    # Tests that need a service this run does not have (PostgreSQL, Redis) say which, and how to provide it.
    needs = Counter(
        report.longrepr[2].removeprefix("Skipped: ")
        for report in skipped
        if isinstance(report.longrepr, tuple) and report.longrepr[2].removeprefix("Skipped: ").startswith("needs ")
    )
    for reason, count in sorted(needs.items()):
        terminalreporter.write_sep("!", f"{count} SKIPPED, {reason}", yellow=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.browser import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Pages follow Accept-Language: pin it, or a machine with LANG=es_ES would see Spanish pages
    # (and 24-hour time fields) in the English scenarios.
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def page_errors(page):
    """Fail the test if the page logs a console error, throws, or violates the CSP."""
    from tests.browser import PageErrors

    errors = PageErrors(page)
    yield errors
    errors.assert_none()


@pytest.fixture
def sent(django_capture_on_commit_callbacks, mailoutbox):
    """Run what the code under test hands over at commit (queued email tasks, inline) and return the outbox.

    Use as a context manager around the action: `with sent() as outbox: ...`; the test's own transaction never
    commits, so without it no queued email would ever be sent. The outbox holds what this block sent, only.
    """
    from contextlib import contextmanager

    @contextmanager
    def sending():
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield mailoutbox

    return sending


@pytest.fixture
def db_tasks(db, settings, monkeypatch):
    """The database task queue (django-tasks-db), as in production, with `run_worker()` to drain it.

    Retries need it: the immediate backend refuses deferred tasks (`run_after`). The worker runs inside the
    test's transaction, so it must not close "old" connections between tasks (on PostgreSQL it would close the
    test's own, whose autocommit differs from the settings).
    """
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run_worker():
        call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)

    return run_worker


@pytest.fixture(autouse=True)
def browser_requests_settle(request):
    """After a browser test, let the requests its page still sends finish (an autosave, a draft's beacon as the
    page goes): the live server must not be answering one while the test database is flushed (SQLite then says
    it is locked)."""
    if request.node.get_closest_marker("browser") is None or "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    pending = set()
    page.on("request", lambda sent: pending.add(sent))
    page.on("requestfinished", lambda done: pending.discard(done))
    page.on("requestfailed", lambda failed: pending.discard(failed))
    yield
    if page.is_closed():
        return
    deadline = time.monotonic() + 5
    while pending and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    keeps_drafts = page.locator("[data-draft]").count() > 0
    page.close()
    if keeps_drafts:
        time.sleep(0.3)  # a beacon sent as the page closed is answered in a few milliseconds

import os

import pytest

from partners.models import Role
from tests.helpers import admin_of, make_member, make_partner, signed_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached renderings are keyed by partner id and version, which a rolled-back test may reuse."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_and_english(settings):
    settings.LANGUAGE_CODE = "en"
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


# --- Browser tests (Playwright driving Debian's Chromium) -------------------------------------
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright share the thread


def pytest_collection_modifyitems(config, items):
    from tests.browser import CHROMIUM, HAVE_CHROMIUM

    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests NOT run")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    from tests.browser import CHROMIUM, HAVE_CHROMIUM

    if not HAVE_CHROMIUM and any("browser" in r.keywords for r in terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_sep(
            "!", f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (apt-get install chromium)", red=True
        )


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
def complete_partner(partner, admin_user):
    """The partner with contact information complete in both environments (the Admin is the alert contact)."""
    from tests.helpers import complete_contacts

    complete_contacts(partner, alerts=[admin_user])
    return partner

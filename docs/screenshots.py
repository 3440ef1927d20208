"""`make screenshots`: the PNGs in docs/screenshots/, taken in Chromium against a live server with demo data.

Every picture is taken at 1280×800 (`<name>-<language>.png`) and at 390×844 (`mobile-<name>-<language>.png`),
in English and in Spanish, from the viewport (not the whole page), so the files stay small. The coverage grid's
clock is fixed, so its pictures change only when the page does.

Not part of `make test` (pytest collects tests/ only); run it by name: `pytest docs/screenshots.py`.
"""

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.middleware import BROWSER_TIME_ZONE_COOKIE
from contacts.drafts import draft_save
from contacts.models import Contact, SupportWindow
from contacts.services import contact_information_for, contact_information_review, contact_status_refresh
from partners.models import Role
from partners.services import invitation_create
from tests.browser import fill_contact_form, sign_in
from tests.helpers import admin_of, contact_form_data, make_member, make_partner

# The suite's fixtures: Debian's Chromium, a pinned locale, fast hashing, failing on page errors.
pytest_plugins = ["tests.conftest"]
OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}
# A Tuesday morning in New York, inside the partner's weekday support window: "Open now", today marked.
NOW = datetime(2026, 6, 9, 10, 30, tzinfo=ZoneInfo("America/New_York"))
# Where each reader's browser is: the English one beside the partner, the Spanish one in Madrid, who sees the
# partner's hours in Madrid time.
ZONES = {"en": "America/New_York", "es": "Europe/Madrid"}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
languages = pytest.mark.parametrize("language", ["en", "es"])
viewports = pytest.mark.parametrize("viewport", ["desktop", "mobile"])


@pytest.fixture
def browser_context_args(browser_context_args, request):
    """A Spanish reader's browser speaks Spanish too (its time fields count 24 hours) and is in Madrid."""
    params = getattr(request.node, "callspec", None)
    language = params.params.get("language", "en") if params else "en"
    return {**browser_context_args, "locale": "es-ES" if language == "es" else "en-US", "timezone_id": ZONES[language]}


def start(page, live_server, user, *, language, viewport):
    """A signed-in browser of `viewport`'s size, whose time zone the portal knows from the first page on."""
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page.context, live_server, user, language=language)
    page.context.add_cookies([{"name": BROWSER_TIME_ZONE_COOKIE, "value": ZONES[language], "url": live_server.url}])


@pytest.fixture
def team(db, monkeypatch):
    """A partner meeting the modal: its Admin, an Editor, a Viewer and a pending invitation."""
    monkeypatch.setattr("contacts.coverage.clock", lambda: NOW)
    partner = make_partner("Acme Bookings", admin_email="ana.garcia@acme.example")
    admin = admin_of(partner)
    admin.name = "Ana García"
    admin.save()
    make_member(partner, Role.EDITOR, name="Ben Okafor", email="ben.okafor@acme.example")
    make_member(partner, Role.VIEWER, name="Chloé Martin", email="chloe.martin@acme.example")
    invitation_create(partner=partner, email="ops-lead@acme.example", role=Role.EDITOR, inviter=admin)
    return partner, admin


def fill_in(partner):
    """Realistic contact information, complete for Sandbox (Production still needs alert contacts)."""
    info = contact_information_for(partner)
    rows = [
        ("technical_emergency", "oncall@acme.example", "On-call pager", "+12025550143"),
        ("technical_emergency", "cto@acme.example", "Dana Whitfield", ""),
        ("technical_non_emergency", "integrations@acme.example", "Integrations team", "+12025550178"),
        ("merchant_issues", "merchants@acme.example", "Merchant success", ""),
        ("operator", "escalations@acme.example", "Escalations desk", "+12025550110"),
        ("shared", "help@acme.example", "Acme Bookings support", "+18005550199"),
    ]
    for category, email, name, phone in rows:
        Contact.objects.create(contact_information=info, category=category, email=email, name=name, phone=phone)
    info.contacts.filter(category="shared").update(url="https://acme.example/help")
    SupportWindow.objects.create(
        contact_information=info, days=0b0011111, start=time(8), end=time(20), time_zone="America/New_York"
    )
    SupportWindow.objects.create(
        contact_information=info, days=0b1100000, start=time(10), end=time(16), time_zone="America/New_York"
    )
    contact_status_refresh(partner=partner, info=info)
    return info


def half_typed(partner, admin):
    """A draft left behind mid-way: the emergency contact typed in full, the next category begun."""
    info = contact_information_for(partner)
    data = contact_form_data(
        version=info.version,
        technical_emergency=[{"email": "oncall@acme.example", "name": "On-call pager", "phone": "202 555 0143"}],
        technical_non_emergency=["integrations@acme.example"],
        merchant_issues=[""],
        operator=[""],
        shared={"email": ""},
        windows=[{"start": "", "end": "", "time_zone": ""}],
    )
    membership = partner.memberships.get(user=admin)
    draft_save(membership=membership, data=data, version=info.version, environment="sandbox")


def shoot(page, name, viewport, language):
    OUT.mkdir(parents=True, exist_ok=True)
    prefix = "" if viewport == "desktop" else "mobile-"
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring in pictures
    page.screenshot(path=OUT / f"{prefix}{name}-{language}.png", animations="disabled", caret="hide")


def scroll_to(page, selector, block="start"):
    """Scroll the page, or the modal, so the element is in view (below the modal's sticky tabs)."""
    page.locator(selector).first.evaluate(
        "(el, block) => { el.style.scrollMarginTop = '4rem'; el.scrollIntoView({block}); }", block
    )


@languages
@viewports
def test_the_modal(live_server, page, page_errors, team, language, viewport):
    """The modal as a first-time Admin meets it, its Users tab, and the same modal with a draft restored."""
    partner, admin = team
    start(page, live_server, admin, language=language, viewport=viewport)
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()
    expect(page.locator(".form-progress")).to_be_visible()
    shoot(page, "modal-contact-information", viewport, language)

    page.locator("#tab-users").click()
    expect(page.locator("#panel-users")).to_be_visible()
    if viewport == "desktop":  # "Send invitation", at the end of the tab, reached by scrolling the modal
        scroll_to(page, ".invite-form button[type=submit]", block="end")
    else:  # the members, a stacked row each
        scroll_to(page, "#members-title")
    shoot(page, "modal-users", viewport, language)

    half_typed(partner, admin)
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    shoot(page, "modal-draft-restored", viewport, language)


@languages
@viewports
def test_settings(live_server, page, page_errors, team, language, viewport):
    """Settings › Contact information as a summary, its coverage grid, two sections' edit pages, a removal."""
    partner, admin = team
    info = fill_in(partner)
    contact_information_review(info=info, actor=admin)
    start(page, live_server, admin, language=language, viewport=viewport)

    if language == "en":
        page.goto(live_server.url)
        expect(page.locator(".checklist")).to_be_visible()
        shoot(page, "dashboard", viewport, language)

    page.goto(f"{live_server.url}/settings/contact-information/")
    expect(page.locator(".summary-sections")).to_be_visible()
    shoot(page, "settings-contact-information", viewport, language)
    scroll_to(page, "#category-support_hours" if viewport == "desktop" else "#coverage")
    shoot(page, "settings-coverage", viewport, language)

    page.goto(f"{live_server.url}/settings/contact-information/technical_emergency/edit/")
    if viewport == "mobile":  # down to the first contact's phone: its country beside the number
        scroll_to(page, "#row-technical_emergency-0")
    shoot(page, "settings-edit-technical-emergency", viewport, language)
    page.goto(f"{live_server.url}/settings/contact-information/support_hours/edit/")
    if viewport == "mobile":
        scroll_to(page, "#row-support_hours-0")
    shoot(page, "settings-edit-support-hours", viewport, language)

    page.goto(f"{live_server.url}/settings/users/")
    page.locator("form[data-confirm]").nth(1).locator("button[type=submit]").click()  # Ben Okafor's Remove
    expect(page.locator("dialog.confirm-dialog")).to_be_visible()
    shoot(page, "confirm-remove-member", viewport, language)


@viewports
def test_the_error_state(live_server, page, page_errors, team, viewport):
    """The modal sent back with errors: the summary on top stays within the screen."""
    _partner, admin = team
    start(page, live_server, admin, language="en", viewport=viewport)
    page.goto(f"{live_server.url}/settings/users/")
    fill_contact_form(
        page, **{"operator-0-email": "escalations@acme", "shared-email": "", "support_hours-0-end": "08:00"}
    )
    page.locator(".contact-form .form-actions .button-primary").click()
    expect(page.locator("#error-summary")).to_be_visible()
    scroll_to(page, "#error-summary")
    shoot(page, "modal-errors", viewport, "en")

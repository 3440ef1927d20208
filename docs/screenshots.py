"""`make screenshots`: the PNGs in docs/screenshots/, taken in Chromium against a live server with demo data.

Not part of `make test` (pytest collects tests/ only); run it by name: `pytest docs/screenshots.py`.
"""

from datetime import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contacts.models import Contact, SupportWindow
from contacts.services import contact_information_for, contact_status_refresh
from partners.models import Role
from partners.services import invitation_create
from tests.browser import fill_contact_form, sign_in
from tests.helpers import admin_of, make_member, make_partner

# The suite's fixtures: Debian's Chromium, a pinned locale, fast hashing, failing on page errors.
pytest_plugins = ["tests.conftest"]
OUT = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(db):
    """A partner meeting the modal: its Admin, an Editor, a Viewer and a pending invitation."""
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


def shoot(page, name, *, full_page=False):
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring in pictures
    page.screenshot(path=OUT / f"{name}.png", full_page=full_page, animations="disabled", caret="hide")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_modal(live_server, page, page_errors, team, language):
    _partner, admin = team
    page.set_viewport_size(DESKTOP)
    sign_in(page.context, live_server, admin, language=language)
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()
    shoot(page, f"modal-contact-information-{language}")
    page.locator("#tab-users").click()
    expect(page.locator("#panel-users")).to_be_visible()
    shoot(page, f"modal-users-{language}")


def test_the_error_state(live_server, page, page_errors, team):
    _partner, admin = team
    page.set_viewport_size(DESKTOP)
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/users/")
    fill_contact_form(
        page, **{"operator-0-email": "escalations@acme", "shared-email": "", "support_hours-0-end": "08:00"}
    )
    page.locator(".contact-form .button-primary").click()
    expect(page.locator("#error-summary")).to_be_visible()
    shoot(page, "modal-errors-en")
    page.locator("#error-summary a").first.click()
    shoot(page, "modal-errors-field-en")


def test_the_modal_on_a_phone(live_server, page, page_errors, team):
    _partner, admin = team
    page.set_viewport_size(MOBILE)
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()
    shoot(page, "mobile-modal-contact-information-en")
    page.locator("#tab-users").click()
    shoot(page, "mobile-modal-users-en")


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_the_unlocked_portal(live_server, page, page_errors, team, viewport):
    partner, admin = team
    fill_in(partner)
    page.set_viewport_size(DESKTOP if viewport == "desktop" else MOBILE)
    sign_in(page.context, live_server, admin)
    prefix = "" if viewport == "desktop" else "mobile-"
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="Acme Bookings", level=1)).to_be_visible()
    shoot(page, f"{prefix}dashboard-en")
    page.goto(f"{live_server.url}/settings/contact-information/")
    shoot(page, f"{prefix}settings-contact-information-en")
    if viewport == "desktop":
        page.locator("#category-support_hours").scroll_into_view_if_needed()
        shoot(page, "settings-support-hours-en")
    page.goto(f"{live_server.url}/settings/users/")
    shoot(page, f"{prefix}settings-users-en")

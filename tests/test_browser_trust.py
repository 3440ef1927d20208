"""Trust in Chromium: an address confirmed from its link, a review's banner then its modal, axe on the new pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import AddressVerification, Contact, ContactInformation
from contacts.services import contact_information_for, contact_status_refresh
from contacts.verification import verification_sync
from partners.models import hash_token
from tests.browser import run_axe, sign_in
from tests.helpers import admin_of, complete_contacts, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "a-confirmation-link-token"


@pytest.fixture
def admin(db):
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    admin = admin_of(partner)
    info = complete_contacts(partner, alerts=[admin], verified=False)
    verification_sync(info=info)  # every address waits for its confirmation
    AddressVerification.objects.filter(address="shared0@acme.example").update(
        token_hash=hash_token(TOKEN), token_expires_at=timezone.now() + timedelta(hours=1)
    )
    return admin


def backdate_review(partner, days, *, stored_days_ago=0):
    """The last save `days` before the answer was stored, `stored_days_ago` days ago."""
    stored_at = timezone.now() - timedelta(days=stored_days_ago)
    ContactInformation.objects.filter(partner=partner).update(
        updated_at=stored_at - timedelta(days=days), reviewed_at=None
    )
    partner.requirement_deadlines = {}  # as if no deadline had been given before
    contact_status_refresh(partner=partner, now=stored_at)


def test_a_contact_confirms_its_address_from_the_link_and_the_summary_says_so(live_server, page, page_errors, admin):
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/contact-information/")
    shared = page.locator("#category-shared")
    expect(shared).to_contain_text("Waiting for confirmation")
    expect(shared.get_by_role("button", name="Resend shared0@acme.example")).to_be_visible()

    visitor = page.context.browser.new_page()  # the contact, who is not signed in
    visitor.goto(f"{live_server.url}/verify-address/{TOKEN}/")
    expect(visitor.get_by_text("shared0@acme.example").first).to_be_visible()
    visitor.get_by_role("button", name="Confirm").press("Enter")  # by keyboard
    expect(visitor.get_by_text("is confirmed as a contact of Acme Bookings")).to_be_visible()
    visitor.goto(f"{live_server.url}/verify-address/{TOKEN}/")  # a second use
    expect(visitor.get_by_role("heading", name="This confirmation link no longer works")).to_be_visible()
    visitor.close()

    page.reload()
    expect(shared).to_contain_text("Verified")
    expect(shared).not_to_contain_text("Waiting for confirmation")


def test_a_review_due_shows_its_banner_then_past_its_deadline_the_modal_asks_for_it(
    live_server, page, page_errors, admin
):
    partner = admin.memberships.get().partner
    backdate_review(partner, 370)
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/activity/")
    banner = page.locator(".due-banner")
    expect(banner).to_contain_text("Due by")
    expect(banner.get_by_role("link", name="Review the contact information")).to_be_visible()

    backdate_review(partner, 370, stored_days_ago=31)  # its deadline passed yesterday; no daily run since
    page.goto(f"{live_server.url}/settings/activity/")
    expect(page.get_by_role("dialog")).to_contain_text("Review the contact information")
    page.get_by_role("button", name="Still correct").click()
    expect(page).to_have_url(f"{live_server.url}/settings/activity/")
    expect(page.locator(".due-banner")).to_have_count(0)


@pytest.mark.axe
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_new_pages_have_no_serious_accessibility_problem(live_server, page, page_errors, admin, language):
    partner = admin.memberships.get().partner
    Contact.objects.filter(contact_information=contact_information_for(partner), category="shared").update(
        email="brand@gmail.com"
    )
    backdate_review(partner, 370)  # a banner, a quality warning and the checklist's due items on the dashboard
    sign_in(page.context, live_server, admin, language=language)
    for path in (
        "/",
        "/settings/contact-information/",
        "/settings/contact-information/test-messages/",
        "/accounts/two-factor/setup/",
        f"/verify-address/{TOKEN}/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main, body").first).to_be_visible()
        violations = run_axe(page)
        assert violations == [], path + "\n".join(f"{v['impact']} {v['id']}: {v['help']}" for v in violations)
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-quality-warnings]")).to_contain_text("brand@gmail.com")

"""axe-core in Chromium: nothing serious or critical on the modal, its errors, or Settings, in both languages."""

import pytest
from playwright.sync_api import expect

from tests.browser import fill_contact_form, run_axe, sign_in
from tests.helpers import admin_of, complete_contacts, make_member, make_partner

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.axe,  # conftest skips these without axe-core, or fails the run on CI
]
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def admin(db):
    """The Admin of a partner with a colleague, so the users tables have more than one row."""
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    make_member(partner, name="Eddie Editor", email="eddie@acme.example")
    return admin_of(partner)


def assert_no_serious_violations(page, selector=None):
    violations = run_axe(page, context_selector=selector)
    assert violations == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in violations)


def open_modal(page, live_server, user, language):
    sign_in(page.context, live_server, user, language=language)
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()


@LANGUAGES
@pytest.mark.parametrize("viewport", [None, MOBILE], ids=["desktop", "mobile"])
def test_the_modal_contact_information_tab(live_server, page, page_errors, admin, language, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    open_modal(page, live_server, admin, language)
    page.locator("details.settled > summary").click()  # the categories already settled are checked too
    expect(page.locator("details.settled")).to_have_attribute("open", "")
    assert_no_serious_violations(page)


@LANGUAGES
def test_the_modal_users_tab(live_server, page, page_errors, admin, language):
    open_modal(page, live_server, admin, language)
    page.locator("#tab-users").click()
    expect(page.locator("#panel-users")).to_be_visible()
    assert_no_serious_violations(page)


@LANGUAGES
def test_the_error_state(live_server, page, page_errors, admin, language):
    open_modal(page, live_server, admin, language)
    fill_contact_form(page, **{"operator-0-email": "not-an-email", "shared-email": "", "support_hours-0-end": "08:00"})
    page.locator(".contact-form .button-primary").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_serious_violations(page)


@LANGUAGES
def test_settings_contact_information(live_server, page, page_errors, admin, language):
    complete_contacts(admin.memberships.get().partner, per_category=2)
    sign_in(page.context, live_server, admin, language=language)
    page.goto(f"{live_server.url}/settings/contact-information/edit/")
    expect(page.locator("form.contact-form")).to_be_visible()
    assert_no_serious_violations(page)


@LANGUAGES
def test_settings_users(live_server, page, page_errors, admin, language):
    partner = admin.memberships.get().partner
    complete_contacts(partner)
    sign_in(page.context, live_server, admin, language=language)
    page.goto(f"{live_server.url}/settings/users/")
    page.locator("#id_email").fill("new.colleague@acme.example")
    page.locator(".invite-form .button-primary").click()  # a pending invitation fills the second table
    expect(page.locator("#invitations-title + .table-wrap td").first).to_have_text("new.colleague@acme.example")
    assert_no_serious_violations(page)

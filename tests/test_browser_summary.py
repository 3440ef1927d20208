"""Settings › Contact information as a summary, in Chromium: edit one section, confirm "Still correct", axe-core."""

import pytest
from playwright.sync_api import expect

from tests.browser import run_axe, sign_in
from tests.helpers import admin_of, complete_contacts, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MOBILE = {"width": 390, "height": 844}


@pytest.fixture
def admin(db):
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    complete_contacts(partner)
    return admin_of(partner)


def test_an_admin_edits_one_section_from_the_summary_and_confirms_the_rest(live_server, page, page_errors, admin):
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/contact-information/")
    operator = page.locator("#category-operator")
    expect(operator).to_contain_text("operator0@acme.example")
    expect(operator).to_contain_text("Required")
    expect(page.get_by_role("link", name="Contact information", exact=True)).to_have_attribute("aria-current", "page")

    operator.get_by_role("link", name="Edit Operational contact (for the operator)").click()
    expect(page.get_by_role("heading", name="Operational contact (for the operator)", level=1)).to_be_visible()
    expect(page.locator("#id_technical_emergency-0-email")).to_have_count(0)  # this section alone
    page.locator("#id_operator-0-email").fill("escalations@acme.example")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server.url}/settings/contact-information/#category-operator")
    expect(page.get_by_text("Contact information saved.")).to_be_visible()
    expect(operator).to_contain_text("escalations@acme.example")
    expect(operator).to_contain_text(f"Last changed by {admin.get_full_name()}")

    page.get_by_role("button", name="Still correct").click()
    expect(page.locator("#summary-review")).to_contain_text(f"Last reviewed by {admin.get_full_name()} on")
    expect(page.locator("#summary-review")).to_contain_text("confirmed still correct")


def test_cancel_leads_back_to_the_summary_without_saving(live_server, page, page_errors, admin):
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/contact-information/shared/edit/")
    page.locator("#id_shared-email").fill("changed-my-mind@acme.example")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{live_server.url}/settings/contact-information/#category-shared")
    expect(page.locator("#category-shared")).to_contain_text("shared0@acme.example")


@pytest.mark.axe
@pytest.mark.parametrize(
    ("language", "viewport"), [("en", None), ("es", MOBILE)], ids=["english-desktop", "spanish-phone"]
)
def test_the_summary_has_no_serious_accessibility_problem(live_server, page, page_errors, admin, language, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page.context, live_server, admin, language=language)
    page.goto(f"{live_server.url}/settings/contact-information/")
    expect(page.locator(".summary-card")).to_have_count(7)
    violations = run_axe(page)
    assert violations == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in violations)

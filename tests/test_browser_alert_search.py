"""Alert contacts chosen with a search in a real browser: the combobox with JavaScript, the paged list without."""

import pytest
from playwright.sync_api import expect

from contacts.models import ContactInformation
from partners.environments import Environment
from partners.models import Role
from tests.browser import run_axe, sign_in
from tests.helpers import admin_of, complete_contacts, make_member, make_partner
from tests.test_alert_contacts_search import add_crowd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crowded_partner(db):
    """A partner complete but for its alert contacts, with 40 members: too many to list them all."""
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    add_crowd(partner, 40)
    complete_contacts(partner)
    return partner


def saved_alerts(partner):
    return list(ContactInformation.objects.get(partner=partner).alert_contacts.order_by("pk"))


@pytest.mark.axe
def test_the_combobox_finds_a_member_and_adds_them_with_the_keyboard(live_server, page, page_errors, crowded_partner):
    eddie = make_member(crowded_partner, Role.EDITOR, name="Eddie Editor", email="eddie@acme.example")
    sign_in(page.context, live_server, admin_of(crowded_partner), environment=Environment.PRODUCTION)
    page.goto(live_server.url)
    dialog = page.get_by_role("dialog", name="Contact information required")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="Search members")).to_have_count(0)  # the combobox does its job

    box = page.get_by_role("combobox", name="Add an alert contact")
    box.fill("EDD")
    options = page.get_by_role("listbox", name="Add an alert contact").get_by_role("option")
    expect(options).to_have_text(["Eddie Editor (eddie@acme.example)"])
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("[data-member-search-status]")).to_contain_text("1 member found")
    assert run_axe(page, context_selector="#category-alert") == []

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")  # picks: never submits the form
    chosen = page.locator("[data-chosen-members]")
    expect(chosen.get_by_label("Eddie Editor (eddie@acme.example)")).to_be_checked()
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("[data-member-search-status]")).to_have_text(
        "Eddie Editor (eddie@acme.example) added to the alert contacts."
    )
    expect(page.get_by_text("No alert contacts chosen yet.")).to_be_hidden()

    # Escape closes the list and leaves the modal where it is; a second Escape clears the text.
    box.fill("member 01")
    expect(options).to_have_count(10)
    expect(page.locator("[data-member-search-status]")).to_contain_text("10 members found")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("member 01")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(dialog).to_be_visible()

    # A broad search says that more match than are shown; one chosen already is marked so.
    box.fill("e")
    expect(options).to_have_count(20)
    expect(page.locator("[data-member-search-status]")).to_contain_text("More members match")
    box.fill("eddie")
    expect(options).to_have_text(["Eddie Editor (eddie@acme.example) · already chosen"])
    expect(options.first).to_have_attribute("aria-disabled", "true")

    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("dialog")).to_have_count(0)
    assert saved_alerts(crowded_partner) == [eddie]
    page_errors.assert_none()


def test_without_javascript_members_are_found_on_paged_lists(live_server, browser, crowded_partner):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    admin = admin_of(crowded_partner)
    sign_in(context, live_server, admin, environment=Environment.PRODUCTION)
    page.goto(live_server.url)
    page.get_by_label("Add an alert contact").fill("member")
    page.get_by_role("button", name="Search members").click()

    results = page.get_by_role("group", name="Members matching “member”")
    expect(results).to_contain_text("1–20 of 40 members")
    results.get_by_label("Member 003 (").check()
    results.get_by_role("button", name="Next").click()
    results = page.get_by_role("group", name="Members matching “member”")
    expect(results).to_contain_text("21–40 of 40 members")
    # What was ticked on the first page is now among the chosen ones.
    expect(page.locator("[data-chosen-members]").get_by_label("Member 003 (")).to_be_checked()
    results.get_by_label("Member 039 (").check()

    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("dialog")).to_have_count(0)
    assert [user.name for user in saved_alerts(crowded_partner)] == ["Member 003", "Member 039"]
    context.close()

"""The contact information form in a real browser: requirements, progress, address reuse, support hours, and the
error summary on a phone."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import ContactInformation
from tests.browser import sign_in
from tests.helpers import admin_of, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def modal(live_server, page, page_errors):
    """A new account's Admin facing the modal (reservations: all seven categories, Sandbox)."""
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}/onboarding/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()
    page.evaluate("() => { window.notReloaded = true; }")
    return partner


def not_reloaded(page):
    return page.evaluate("() => window.notReloaded === true")


def test_requirements_progress_and_remove_on_the_only_row(page, modal):
    expect(page.locator("label[for=contact-progress]")).to_have_text("0 of 6 complete")
    expect(page.locator("#contact-progress")).to_have_attribute("value", "0")
    emergency = page.locator("#category-technical_emergency")
    expect(emergency.locator("legend.category-title")).to_have_text("Technical emergency contacts Required")
    expect(page.locator("#category-alert legend.category-title")).to_contain_text("Required in Production")
    expect(emergency.get_by_label("Name (optional)")).to_be_visible()

    # The only row of a required category: no Remove. A second row makes both removable ...
    expect(emergency.get_by_label("Remove")).to_have_count(0)
    emergency.get_by_role("button", name="Add another contact").click()
    expect(emergency.get_by_label("Remove")).to_have_count(2)
    # ... until one is marked: the one left is the only one again.
    emergency.locator("#id_technical_emergency-0-DELETE").check()
    expect(emergency.locator("#id_technical_emergency-1-DELETE")).to_be_hidden()
    emergency.locator("#id_technical_emergency-0-DELETE").uncheck()
    expect(emergency.locator("#id_technical_emergency-1-DELETE")).to_be_visible()
    assert not_reloaded(page)


def test_same_as_technical_emergency_copies_in_place_and_typed_addresses_are_suggested(page, modal):
    page.locator("#id_technical_emergency-0-email").fill("pager@acme.example")
    page.locator("#id_technical_emergency-0-name").fill("Pager")
    page.locator("#id_technical_emergency-0-name").press("Tab")
    # Every email input offers what was typed elsewhere.
    expect(page.locator("#contact-emails option[value='pager@acme.example']")).to_have_count(1)
    expect(page.locator("#id_operator-0-email")).to_have_attribute("list", "contact-emails")

    operator = page.locator("#category-operator")
    operator.get_by_role("button", name="Same as technical emergency contacts").click()
    expect(page.locator("#id_operator-0-email")).to_have_value("pager@acme.example")
    expect(page.locator("#id_operator-0-name")).to_have_value("Pager")
    expect(page.locator("[data-form-status]")).to_have_text("Technical emergency contacts copied here.")
    page.locator("#category-shared").get_by_role("button", name="Same as technical emergency contacts").click()
    expect(page.locator("#id_shared-email")).to_have_value("pager@acme.example")
    # Copying twice adds nothing twice.
    operator.get_by_role("button", name="Same as technical emergency contacts").click()
    expect(page.locator("#id_operator-TOTAL_FORMS")).to_have_value("1")
    assert not_reloaded(page)


def test_support_hours_presets_24_7_and_overlap_hints(live_server, page, modal):
    hours = page.locator("#category-support_hours")
    page.locator("#id_support_hours-0-time_zone").fill("Europe/Madrid")
    hours.get_by_role("button", name="Mon–Fri 09:00–17:00").click()
    for day in range(5):
        expect(page.locator(f"#id_support_hours-0-days_{day}")).to_be_checked()
    expect(page.locator("#id_support_hours-0-days_5")).not_to_be_checked()
    expect(page.locator("#id_support_hours-0-start")).to_have_value("09:00")
    expect(page.locator("#id_support_hours-0-end")).to_have_value("17:00")

    # A second window every day, in the zone already typed: it overlaps the first, said while typing.
    hours.get_by_role("button", name="Every day 09:00–17:00").click()
    expect(page.locator("#id_support_hours-TOTAL_FORMS")).to_have_value("2")
    expect(page.locator("#id_support_hours-1-time_zone")).to_have_value("Europe/Madrid")
    hint = page.locator("#row-support_hours-1 [data-overlap-hint]")
    expect(hint).to_have_text("This window overlaps window 1 in Europe/Madrid: change its days or hours.")
    expect(hint).to_have_attribute("aria-live", "polite")
    for day in range(5):
        page.locator(f"#id_support_hours-1-days_{day}").uncheck()
    expect(hint).to_have_text("")

    # 24/7 hides the windows, unticking brings them back; saving with 24/7 stores no window.
    all_week = page.get_by_label("We offer support 24 hours a day, 7 days a week (24/7)")
    all_week.check()
    expect(page.locator("#id_support_hours-0-start")).to_be_hidden()
    expect(hours.get_by_role("button", name="Mon–Fri 09:00–17:00")).to_be_hidden()
    all_week.uncheck()
    expect(page.locator("#id_support_hours-0-start")).to_be_visible()
    page.locator("#id_support_hours-1-end").fill("08:00")  # a mistake 24/7 makes irrelevant
    all_week.check()
    assert not_reloaded(page)
    for selector, value in {
        "#id_technical_emergency-0-email": "oncall@acme.example",
        "#id_technical_non_emergency-0-email": "dev@acme.example",
        "#id_merchant_issues-0-email": "merchants@acme.example",
        "#id_operator-0-email": "ops@acme.example",
        "#id_shared-email": "help@acme.example",
    }.items():
        page.locator(selector).fill(value)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("dialog")).to_have_count(0)
    info = ContactInformation.objects.get(partner=modal)
    assert info.support_24_7 and not info.support_windows.exists()


def test_on_a_phone_the_error_summary_fits_the_screen_and_every_link_is_reachable(page, modal):
    page.set_viewport_size({"width": 390, "height": 844})
    # Many mistakes at once: an invalid address in ten rows of one category.
    emergency = page.locator("#category-technical_emergency")
    for index in range(10):
        if index:
            emergency.get_by_role("button", name="Add another contact").click()
        page.locator(f"#id_technical_emergency-{index}-email").fill(f"wrong {index}")
    page.get_by_role("button", name="Save and continue").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(re.compile(r"^There are 1[45] problems to fix$"))
    links = summary.get_by_role("link")
    expect(links.first).to_have_text(re.compile(r"^Technical emergency contacts, contact 1, Email: "))
    expect(links.nth(1)).to_have_text(re.compile(r"^Technical emergency contacts, contact 2, Email: "))
    box = summary.bounding_box()
    assert box["height"] <= 844 * 0.75, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # From the summary, Tab walks through every link, each scrolled into view.
    count = links.count()
    for index in range(count):
        page.keyboard.press("Tab")
        expect(links.nth(index)).to_be_focused()
        expect(links.nth(index)).to_be_in_viewport()
    page.keyboard.press("Enter")  # the last link leads to its field
    assert page.evaluate("() => document.activeElement.matches('input, select')")

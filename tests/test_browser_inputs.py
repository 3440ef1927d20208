"""Smart inputs in a real browser: the time zone found by city and defaulting to the browser's, and a phone's
country chosen beside it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from contacts.models import Contact, SupportWindow
from tests.browser import COMPLETE, WEEKDAYS, PageErrors, run_axe, sign_in
from tests.helpers import admin_of, complete_contacts, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_york_page(browser, live_server):
    """A page in a browser whose clock is in New York (its own time zone, as Intl reports it)."""
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    errors = PageErrors(page)
    yield page
    errors.assert_none()
    context.close()


def test_madrid_and_a_spanish_phone_without_its_country_code_are_saved(live_server, new_york_page):
    page = new_york_page
    partner = make_partner("Acme Bookings")  # phone region: United States
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}{reverse('contacts:onboarding')}")
    zone = page.locator("#id_support_hours-0-time_zone")

    for selector, value in COMPLETE.items():
        if selector != "#id_support_hours-0-time_zone":
            page.locator(selector).fill(value)
    expect(zone).to_have_value("")  # a blank window row stays blank until something of it is filled
    for selector in WEEKDAYS:
        page.locator(selector).check()
    expect(zone).to_have_value("America/New_York")  # the browser's own zone, once the window is being filled

    # The suggestions name each zone by city, country and offset, so typing "Madrid" finds Europe/Madrid.
    option = page.locator('#time-zone-names option[value="Europe/Madrid"]')
    expect(option).to_have_text(re.compile(r"^Madrid · Spain · UTC\+0[12]:00$"))  # winter or summer
    zone.fill("Madrid")
    page.locator("#id_support_hours-0-days_5").check()  # typed values are never replaced
    page.locator("#id_support_hours-0-days_5").uncheck()
    expect(zone).to_have_value("Madrid")

    region = page.get_by_role("combobox", name="Country of the phone number").nth(3)
    expect(region).to_have_id("id_operator-0-phone_region")
    expect(region).to_have_value("US")  # the partner's region
    region.focus()  # as a person does before choosing: form.js gives it every country
    region.select_option("ES")
    page.locator("#id_operator-0-phone").fill("612 34 56 78")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator("dialog")).to_have_count(0)
    assert str(SupportWindow.objects.get().time_zone) == "Europe/Madrid"
    assert Contact.objects.get(category="operator").phone.as_e164 == "+34612345678"

    page.goto(f"{live_server.url}{reverse('contacts:edit')}")
    expect(page.locator("#id_operator-0-phone")).to_have_value("+34 612 34 56 78")
    expect(page.locator("#id_operator-0-phone_region")).to_have_value("ES")  # its own country
    expect(page.locator("#id_support_hours-0-time_zone")).to_have_value("Europe/Madrid")


def test_an_added_window_starts_in_the_browsers_zone_and_a_wrong_phone_shows_an_example(live_server, new_york_page):
    page = new_york_page
    partner = make_partner("Acme Bookings")
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}{reverse('contacts:onboarding')}")
    page.locator("#category-support_hours [data-add-row]").click()
    expect(page.locator("#id_support_hours-1-time_zone")).to_have_value("America/New_York")
    expect(page.locator("#id_support_hours-0-time_zone")).to_have_value("")  # the untouched first row

    page.locator("#category-operator [data-add-row]").click()
    added = page.locator("#id_operator-1-phone_region")
    expect(added).to_have_value("US")
    added.focus()  # form.js gives a select every country when it is used
    expect(added.locator("option")).to_have_count(245)
    added.select_option("FR")
    expect(added).to_have_value("FR")
    page.locator("#id_operator-1-DELETE").check()

    page.locator("#id_operator-0-phone_region").focus()  # as a person does before choosing: every country
    page.locator("#id_operator-0-phone_region").select_option("ES")
    page.locator("#id_operator-0-phone").fill("12")
    page.get_by_role("button", name="Save and continue").click()
    errors = page.locator(".field:has(#id_operator-0-phone) .errorlist")
    expect(errors).to_have_text(
        "Enter a valid phone number for Spain, like 810 12 34 56, or start with + and the country code."
    )
    expect(page.locator("#id_operator-0-phone")).to_have_accessible_description(
        "Or type it with + and the country code. "
        "Enter a valid phone number for Spain, like 810 12 34 56, or start with + and the country code."
    )
    expect(page.locator("#id_operator-0-phone_region")).to_have_value("ES")


@pytest.mark.axe
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_phone_region_page_passes_axe(live_server, page, page_errors, language):
    partner = make_partner("Acme Bookings")
    complete_contacts(partner)  # Settings open: saving goes back to them
    sign_in(page.context, live_server, admin_of(partner), language=language)
    page.goto(f"{live_server.url}{reverse('contacts:phone_region')}")
    page.get_by_role("combobox").select_option("ES")
    page.get_by_role("button").filter(has_text=re.compile("phone region|región telefónica")).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('contacts:settings')}")
    page.goto(f"{live_server.url}{reverse('contacts:phone_region')}")
    expect(page.get_by_role("combobox")).to_have_value("ES")
    assert run_axe(page) == []


def test_a_support_hours_preset_takes_the_browser_s_zone_too(live_server, new_york_page):
    # Found walking the modal: the preset filled days and times but left the time zone to type.
    page = new_york_page
    sign_in(page.context, live_server, admin_of(make_partner("Acme Bookings")))
    page.goto(f"{live_server.url}{reverse('contacts:onboarding')}")
    page.get_by_role("button", name="Mon–Fri 09:00–17:00").click()
    expect(page.locator("#id_support_hours-0-start")).to_have_value("09:00")
    expect(page.locator("#id_support_hours-0-time_zone")).to_have_value("America/New_York")
    # The preset is kept as a draft: wait for it, so that no request is still on its way when the test ends.
    expect(page.locator("[data-draft-status]")).to_have_text(re.compile("kept as a draft"))

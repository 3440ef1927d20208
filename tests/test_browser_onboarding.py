"""Onboarding in a real browser: Chromium through Playwright, against the live server."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.factories import PASSWORD, admin_of, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_partner(db):
    return make_partner("Acme Bookings", admin_email="ana@acme.example")


def focus_is_in_dialog(page):
    return page.evaluate("() => !!document.activeElement && !!document.activeElement.closest('dialog[open]')")


def test_a_new_admin_meets_a_modal_that_cannot_be_escaped(live_server, page, page_errors, fresh_partner):
    page.goto(f"{live_server.url}/settings/users/")
    page.get_by_label("Email").fill("ana@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    dialog = page.locator("dialog#onboarding-modal")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('dialog').matches(':modal')")
    expect(page.get_by_role("dialog", name="Contact information required")).to_be_visible()

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('dialog').matches(':modal')")

    page.mouse.click(5, 5)  # the backdrop
    expect(dialog).to_be_visible()

    for _ in range(30):
        page.keyboard.press("Tab")
        assert focus_is_in_dialog(page)

    page.goto(f"{live_server.url}/settings/activity/")
    expect(page).to_have_url(re.compile(r"/onboarding/\?next=%2Fsettings%2Factivity%2F"))
    expect(dialog).to_be_visible()


def test_sign_in_cookie_helper_reaches_the_modal(live_server, page, page_errors, fresh_partner):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(live_server.url)
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()

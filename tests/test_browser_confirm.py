"""Asking before removing a member or launching, in a real browser; and the Users table on a phone."""

import re

import pytest
from playwright.sync_api import expect

from partners.environments import Environment
from partners.models import Membership, Partner, Role
from tests.browser import sign_in
from tests.helpers import admin_of, complete_contacts, make_member, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def acme(db):
    return make_partner("Acme Bookings", admin_email="ana@acme.example")


@pytest.fixture
def bea(acme):
    return make_member(acme, Role.EDITOR, name="Bea Ortiz", email="bea@acme.example")


def focused_is(page, locator):
    return locator.evaluate("element => element === document.activeElement")


def test_removing_a_member_asks_in_a_dialog_escape_cancels_and_confirm_removes(
    live_server, page, page_errors, acme, bea
):
    complete_contacts(acme, alerts=[admin_of(acme), bea])
    sign_in(page.context, live_server, admin_of(acme))
    page.goto(f"{live_server.url}/settings/users/")
    remove = page.get_by_role("button", name="Remove bea@acme.example")
    dialog = page.locator("dialog.confirm-dialog")

    remove.click()
    expect(dialog).to_be_visible()
    assert dialog.evaluate("d => d.matches(':modal')")
    expect(page.get_by_role("dialog", name="Remove Bea Ortiz (bea@acme.example) from Acme Bookings?")).to_be_visible()
    expect(dialog).to_have_accessible_description("They lose access at once. Their alert contact role goes too.")
    assert page.evaluate("() => !!document.activeElement.closest('dialog.confirm-dialog')")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused_is(page, remove)
    assert Membership.objects.filter(user=bea, partner=acme).exists()

    page.keyboard.press("Enter")  # the focused Remove button asks again
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Bea Ortiz was removed.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/users/$"))
    assert not Membership.objects.filter(user=bea, partner=acme).exists()


def test_the_dialog_opens_over_the_onboarding_modal(live_server, page, page_errors, acme, bea):
    sign_in(page.context, live_server, admin_of(acme))
    page.goto(f"{live_server.url}/onboarding/#panel-users")
    page.get_by_role("button", name="Remove bea@acme.example").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()  # the blocking modal stays
    assert focused_is(page, page.get_by_role("button", name="Remove bea@acme.example"))

    page.get_by_role("button", name="Remove bea@acme.example").click()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator("dialog#onboarding-modal").get_by_text("Bea Ortiz was removed.")).to_be_visible()
    assert not Membership.objects.filter(user=bea, partner=acme).exists()


def test_launch_asks_first(live_server, page, page_errors, acme):
    admin = admin_of(acme)
    complete_contacts(acme, alerts=[admin])
    sign_in(page.context, live_server, admin, environment=Environment.PRODUCTION)
    page.goto(live_server.url)
    page.get_by_role("button", name="Launch").click()
    dialog = page.get_by_role("dialog", name="Launch the integration of Acme Bookings?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Partner.objects.get(pk=acme.pk).status == Partner.Status.ONBOARDING
    page.get_by_role("button", name="Launch").click()
    dialog.get_by_role("button", name="Launch").click()
    expect(page.get_by_text(re.compile(r"^Launched\."))).to_be_visible()
    assert Partner.objects.get(pk=acme.pk).status == Partner.Status.LAUNCHED


def test_on_a_phone_every_member_row_fits_the_screen(live_server, page, page_errors, acme, bea):
    complete_contacts(acme)
    make_member(acme, Role.VIEWER, name="Carmen Fernández-Villaverde", email="carmen.fernandez-villaverde@acme.example")
    page.set_viewport_size(PHONE)
    sign_in(page.context, live_server, admin_of(acme))
    page.goto(f"{live_server.url}/settings/users/")
    rows = page.locator("#main table").first.locator("tbody tr")
    expect(rows).to_have_count(3)
    for index in range(3):
        row = rows.nth(index)
        for control in (row.get_by_role("combobox"), row.get_by_role("button", name=re.compile(r"^Remove "))):
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        # Each value beside its column's name, drawn from data-label.
        labels = row.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert labels[:4] == ['"Name"', '"Email"', '"Role"', '"Last sign-in"']
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator("#main .table-wrap").first
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")

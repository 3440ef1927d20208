"""The coverage grid drawn by Chromium: a week of 24-hour rows that fits a phone, with a fixed clock."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from contacts.coverage import week_coverage
from contacts.models import SupportWindow, days_to_mask
from tests.browser import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")


def show_partial(page, live_server, coverage):
    """The partial inside a page of the live server, with its stylesheets and its Content-Security-Policy."""
    html = render_to_string("contacts/_coverage.html", {"coverage": coverage})
    page.goto(f"{live_server.url}/help/")  # a page that is never gated: its origin and CSP apply below
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Coverage</title>'
        '<link rel="stylesheet" href="/static/portal/portal.css">'
        '<link rel="stylesheet" href="/static/contacts/coverage.css">'
        f"</head><body><main>{html}</main></body></html>"
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_the_week_fits_and_reads_as_a_list_with_a_fixed_clock(live_server, page, page_errors, width):
    page.set_viewport_size({"width": width, "height": 844})
    weekdays = SupportWindow(days=days_to_mask(range(5)), start=time(9), end=time(17), time_zone=NEW_YORK)
    monday_evening = datetime(2026, 3, 9, 20, tzinfo=NEW_YORK)
    show_partial(page, live_server, week_coverage([weekdays], viewer_zone=NEW_YORK, now=monday_evening))

    expect(page.locator("[data-coverage-status]")).to_have_text("Closed now · opens Tuesday 09:00")
    expect(page.locator("[data-coverage-days] li").nth(1)).to_have_text("Tuesday: 09:00–17:00")
    grid = page.locator(".coverage-grid")
    expect(grid).to_have_attribute("aria-hidden", "true")
    assert grid.evaluate("g => g.scrollWidth <= g.clientWidth")  # nothing cut off on a phone

    rows = page.evaluate(
        """() => [...document.querySelectorAll('.coverage-grid .coverage-cell')].map(c => {
            const r = c.getBoundingClientRect(); return [Math.round(r.top), r.width, r.height];
        })"""
    )
    assert len(rows) == 7 * 24
    tops = sorted({top for top, _w, _h in rows})
    assert len(tops) == 7  # one row a day, 24 cells side by side
    assert min(w for _t, w, _h in rows) >= 8 and min(h for _t, _w, h in rows) >= 12
    filled = page.locator(".coverage-grid .coverage-cell-open").first.evaluate(
        "c => getComputedStyle(c).backgroundColor"
    )
    empty = page.locator(".coverage-grid .coverage-cell-closed").first.evaluate(
        "c => getComputedStyle(c).backgroundColor"
    )
    assert filled != empty
    assert page.locator(".coverage-grid .coverage-cell-now").count() == 1

    page.get_by_role("link", name="UTC").focus()
    expect(page.get_by_role("link", name="UTC")).to_be_focused()
    assert run_axe(page) == []


def test_settings_shows_open_now_in_the_viewer_s_zone_with_a_fixed_clock(live_server, page, page_errors, monkeypatch):
    from contacts.services import contact_information_for
    from tests.browser import sign_in
    from tests.helpers import admin_of, complete_contacts, make_partner

    partner = make_partner("Acme Bookings")
    complete_contacts(partner)  # one window: Monday to Friday, 09:00–17:00, Europe/Madrid
    window = contact_information_for(partner).support_windows.get()
    window.time_zone = "America/New_York"
    window.save()
    # 01:30 on the night New York's clocks go back, the second time: a Sunday, closed until Monday 09:00.
    monkeypatch.setattr("contacts.coverage.clock", lambda: datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK))
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}/settings/contact-information/?coverage_zone=America/New_York")
    expect(page.locator("[data-coverage-status]")).to_have_text("Closed now · opens Monday 09:00")
    expect(page.locator("[data-coverage-days] li").first).to_have_text("Monday: 09:00–17:00")
    # The same week seen from Madrid, whose clocks went back a week earlier: 14:00–22:00, not the usual 15:00–23:00.
    page.goto(f"{live_server.url}/settings/contact-information/?coverage_zone=Europe/Madrid")
    expect(page.locator("[data-coverage-days] li").first).to_have_text("Monday: 14:00–22:00")
    page.get_by_role("link", name="UTC").click()
    expect(page.locator("[data-coverage-days] li").first).to_have_text("Monday: 13:00–21:00")
    page_errors.assert_none()

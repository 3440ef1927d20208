"""The week coverage grid: each window on its own clock, drawn in the viewer's zone, right across clock changes.

2026's changes: America/New_York springs forward on Sunday 8 March and falls back on Sunday 1 November;
Europe/London (and Madrid, the EU) on Sunday 29 March and Sunday 25 October.
"""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.coverage import CLOSED, OPEN, PART, SKIPPED, coverage_for, viewer_zone, wall_to_instant, week_coverage
from contacts.models import SupportWindow, days_to_mask

NEW_YORK, LONDON, MADRID = ZoneInfo("America/New_York"), ZoneInfo("Europe/London"), ZoneInfo("Europe/Madrid")
EVERY_DAY, WEEKDAYS = range(7), range(5)


def window(start, end, zone, days=EVERY_DAY, *, overnight=False):
    """An unsaved support window (nothing here touches the database)."""
    return SupportWindow(days=days_to_mask(days), start=start, end=end, overnight=overnight, time_zone=zone)


def ranges(coverage):
    """{weekday: "09:00–17:00, ..."} as a screen reader hears each day."""
    return {day.date.strftime("%a"): ", ".join(map(str, day.ranges)) for day in coverage.days}


def open_hours(day):
    return [cell.hour for cell in day.cells if cell.state == OPEN]


NINE_TO_FIVE = window(time(9), time(17), NEW_YORK)


# --- A 09:00–17:00 window stays 09:00–17:00 on its own clock ----------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now"),
    [
        (NEW_YORK, datetime(2026, 3, 4, 12)),  # the week ending on the spring-forward Sunday
        (NEW_YORK, datetime(2026, 3, 8, 12)),  # that Sunday itself
        (NEW_YORK, datetime(2026, 3, 11, 12)),  # the week after
        (NEW_YORK, datetime(2026, 10, 28, 12)),  # the week ending on the fall-back Sunday
        (NEW_YORK, datetime(2026, 11, 1, 12)),
        (NEW_YORK, datetime(2026, 11, 4, 12)),
        (LONDON, datetime(2026, 3, 25, 12)),
        (LONDON, datetime(2026, 3, 29, 12)),
        (LONDON, datetime(2026, 4, 1, 12)),
        (LONDON, datetime(2026, 10, 21, 12)),
        (LONDON, datetime(2026, 10, 25, 12)),
        (LONDON, datetime(2026, 10, 28, 12)),
    ],
)
def test_a_nine_to_five_window_stays_nine_to_five_on_its_own_clock(zone, now):
    coverage = week_coverage([window(time(9), time(17), zone)], viewer_zone=zone, now=now.replace(tzinfo=zone))

    assert [day.date.weekday() for day in coverage.days] == list(range(7))  # Monday first
    assert now.date() in [day.date for day in coverage.days]
    assert set(ranges(coverage).values()) == {"09:00–17:00"}
    assert all(open_hours(day) == list(range(9, 17)) for day in coverage.days)
    assert coverage.weekly_hours == 7 * 8  # the clock change happens at night: every day still has 8 real hours


def test_the_change_days_are_marked_and_the_skipped_hour_is_drawn_as_such():
    spring = week_coverage([NINE_TO_FIVE], viewer_zone=NEW_YORK, now=datetime(2026, 3, 8, 12, tzinfo=NEW_YORK))
    autumn = week_coverage([NINE_TO_FIVE], viewer_zone=NEW_YORK, now=datetime(2026, 11, 1, 12, tzinfo=NEW_YORK))

    assert [day.clock_change for day in spring.days] == [""] * 6 + ["forward"]
    assert [day.clock_change for day in autumn.days] == [""] * 6 + ["back"]
    sunday = spring.days[6]
    assert [cell.hour for cell in sunday.cells if cell.state == SKIPPED] == [2]  # 02:00–02:59 never happens
    assert spring.skips_an_hour and not autumn.skips_an_hour
    assert [cell.state for cell in autumn.days[6].cells].count(SKIPPED) == 0


# --- "Open now" at 01:30 on the fall-back night, which New York lives twice --------------------------------

FIRST_0130 = datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=NEW_YORK)  # EDT, 05:30 UTC
SECOND_0130 = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)  # EST, 06:30 UTC
TWO_EST = datetime(2026, 11, 1, 7, tzinfo=UTC)  # 02:00 on the New York clock, after the change


def test_the_two_0130s_are_an_hour_apart():
    assert SECOND_0130.astimezone(UTC) - FIRST_0130.astimezone(UTC) == timedelta(hours=1)


@pytest.mark.parametrize("now", [FIRST_0130, SECOND_0130], ids=["first 01:30", "second 01:30"])
@pytest.mark.parametrize(
    "shift",
    [
        window(time(22), time(2), NEW_YORK, days=[5], overnight=True),  # Saturday 22:00 to Sunday 02:00
        window(time(1), time(2), NEW_YORK, days=[6]),  # Sunday 01:00–02:00
    ],
    ids=["Saturday night", "Sunday 01:00-02:00"],
)
def test_open_at_both_0130s_and_closing_at_two_on_the_new_clock(now, shift):
    coverage = week_coverage([shift], viewer_zone=NEW_YORK, now=now)

    assert coverage.open_now is True
    assert shift.is_open_at(now)  # the same reading as the model's
    assert coverage.closes_at == TWO_EST
    assert (coverage.closes_at.hour, coverage.closes_at.minute) == (2, 0)
    assert coverage.now.fold == now.fold


def test_the_fall_back_hour_is_counted_twice_for_a_window_across_it():
    sunday_one_to_two = window(time(1), time(2), NEW_YORK, days=[6])
    saturday_night = window(time(22), time(2), NEW_YORK, days=[5], overnight=True)

    autumn = week_coverage([sunday_one_to_two], viewer_zone=NEW_YORK, now=FIRST_0130)
    ordinary = week_coverage([sunday_one_to_two], viewer_zone=NEW_YORK, now=datetime(2026, 11, 8, 12, tzinfo=NEW_YORK))
    night = week_coverage([saturday_night], viewer_zone=NEW_YORK, now=FIRST_0130)

    assert autumn.weekly_hours == 2 and ordinary.weekly_hours == 1
    assert night.weekly_hours == 5  # 22:00 EDT to 02:00 EST
    assert ranges(night)["Sat"] == "22:00–24:00" and ranges(night)["Sun"] == "00:00–02:00"
    assert autumn.days[6].cells[1].state == OPEN  # the 01:00 cell, two real hours, all open
    assert autumn.days[6].cells[1].is_now


def test_closed_at_both_0130s_before_a_window_that_opens_at_two():
    later = window(time(2), time(3), NEW_YORK, days=[6])
    for now in (FIRST_0130, SECOND_0130):
        coverage = week_coverage([later], viewer_zone=NEW_YORK, now=now)
        assert coverage.open_now is False
        assert coverage.next_opening == TWO_EST
        assert coverage.next_opening.tzinfo == NEW_YORK


def test_a_window_ending_inside_the_repeated_hour_closes_and_reopens_with_the_clock():
    """Read on the wall clock like SupportWindow.is_open_at: 00:00–01:30 is shown twice from 01:00 to 01:30."""
    early = window(time(0), time(1, 30), NEW_YORK, days=[6])
    half_past_midnight = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)

    coverage = week_coverage([early], viewer_zone=NEW_YORK, now=half_past_midnight)

    assert coverage.open_now and coverage.closes_at.astimezone(UTC) == FIRST_0130.astimezone(UTC)
    assert coverage.next_opening.astimezone(UTC) == datetime(2026, 11, 1, 6, tzinfo=UTC)  # the clocks go back
    assert early.is_open_at(coverage.next_opening) and not early.is_open_at(FIRST_0130)
    assert coverage.weekly_minutes == 90 + 30
    assert ranges(coverage)["Sun"] == "00:00–01:30, 01:00–01:30"
    assert week_coverage([early], viewer_zone=NEW_YORK, now=SECOND_0130).open_now is False


def test_a_time_the_clocks_skip_is_read_as_the_jump_itself():
    assert wall_to_instant(datetime(2026, 3, 8, 2, 30), NEW_YORK) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert wall_to_instant(datetime(2026, 3, 8, 3, 0), NEW_YORK) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert wall_to_instant(datetime(2026, 11, 1, 1, 30), NEW_YORK) == FIRST_0130.astimezone(UTC)


def test_a_window_in_another_zone_tells_the_two_0130s_apart():
    """05:00–06:00 in London (GMT again by then) is 01:00–02:00 EDT: open at the first 01:30 only."""
    london_early = window(time(5), time(6), LONDON, days=[6])

    first = week_coverage([london_early], viewer_zone=NEW_YORK, now=FIRST_0130)
    second = week_coverage([london_early], viewer_zone=NEW_YORK, now=SECOND_0130)

    assert first.open_now is True
    # 01:00 EST, the second 01:00 (an ambiguous local time never equals another zone's: compare in UTC)
    assert first.closes_at.astimezone(UTC) == datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert (first.closes_at.hour, first.closes_at.fold) == (1, 1)
    assert second.open_now is False
    assert second.next_opening == datetime(2026, 11, 8, 0, 0, tzinfo=NEW_YORK)  # 05:00 GMT = midnight EST
    assert first.days[6].cells[1].state == PART  # the two-hour 01:00 cell is half open
    assert ranges(first)["Sun"] == "01:00–01:00"  # 01:00 EDT until the clocks go back to 01:00 EST


# --- A viewer elsewhere sees the window moved by the real offset of each day -------------------------------


@pytest.mark.parametrize(
    ("now", "madrid"),
    [
        (datetime(2026, 3, 4, 12), "15:00–23:00"),  # both on winter time: 6 hours apart
        (datetime(2026, 3, 11, 12), "14:00–22:00"),  # New York changed on 8 March, Madrid not yet: 5 hours
        (datetime(2026, 3, 25, 12), "14:00–22:00"),
        (datetime(2026, 4, 1, 12), "15:00–23:00"),  # Madrid changed on 29 March: 6 hours again
        (datetime(2026, 10, 21, 12), "15:00–23:00"),
        (datetime(2026, 10, 28, 12), "14:00–22:00"),  # Madrid went back on 25 October, New York on 1 November
        (datetime(2026, 11, 4, 12), "15:00–23:00"),
    ],
)
def test_a_viewer_in_madrid_sees_a_new_york_window_where_it_really_is(now, madrid):
    weekdays = window(time(9), time(17), NEW_YORK, days=WEEKDAYS)
    coverage = week_coverage([weekdays], viewer_zone=MADRID, now=now.replace(tzinfo=MADRID))

    assert ranges(coverage) == {
        "Mon": madrid,
        "Tue": madrid,
        "Wed": madrid,
        "Thu": madrid,
        "Fri": madrid,
        "Sat": "",
        "Sun": "",
    }
    assert coverage.weekly_hours == 40


def test_a_london_window_moves_an_hour_on_the_new_york_clock_within_one_week():
    london = window(time(9), time(17), LONDON)
    coverage = week_coverage([london], viewer_zone=NEW_YORK, now=datetime(2026, 3, 25, 12, tzinfo=NEW_YORK))

    assert ranges(coverage) == {day: "05:00–13:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")} | {
        "Sun": "04:00–12:00"  # London springs forward that Sunday morning
    }


# --- The week's real hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "hours"),
    [
        (NEW_YORK, datetime(2026, 3, 4, 12), 167),
        (NEW_YORK, datetime(2026, 3, 11, 12), 168),
        (NEW_YORK, datetime(2026, 10, 28, 12), 169),
        (NEW_YORK, datetime(2026, 11, 1, 1, 30), 169),
        (NEW_YORK, datetime(2026, 11, 4, 12), 168),
        (LONDON, datetime(2026, 3, 25, 12), 167),
        (LONDON, datetime(2026, 4, 1, 12), 168),
        (LONDON, datetime(2026, 10, 21, 12), 169),
        (LONDON, datetime(2026, 10, 28, 12), 168),
        (MADRID, datetime(2026, 10, 28, 12), 168),
    ],
)
def test_round_the_clock_support_counts_the_weeks_real_hours(zone, now, hours):
    now = now.replace(tzinfo=zone)
    midnight_to_midnight = window(time(0), time(0), zone, overnight=True)
    both_teams = [window(time(0), time(0), NEW_YORK, overnight=True), window(time(9), time(17), LONDON)]

    all_week = week_coverage([], all_week=True, viewer_zone=zone, now=now)
    every_day = week_coverage([midnight_to_midnight], viewer_zone=zone, now=now)
    overlapping = week_coverage(both_teams, viewer_zone=zone, now=now)

    for coverage in (all_week, every_day, overlapping):
        assert coverage.week_hours == hours
        assert coverage.weekly_hours == hours  # overlapping windows of two zones are not counted twice
        assert coverage.open_now and coverage.always_open
        assert coverage.next_opening is None and coverage.closes_at is None
        assert all(day.all_day for day in coverage.days)
    assert all_week.all_week and not every_day.all_week


def test_nearly_round_the_clock_leaves_a_minute_a_day():
    coverage = week_coverage(
        [window(time(0), time(23, 59), NEW_YORK)], viewer_zone=NEW_YORK, now=datetime(2026, 3, 4, tzinfo=NEW_YORK)
    )
    assert coverage.weekly_minutes == 167 * 60 - 7
    assert coverage.weekly_hours == 166.9
    assert coverage.days[0].cells[23].state == PART


def test_no_windows_no_hours():
    coverage = week_coverage([], viewer_zone=NEW_YORK, now=FIRST_0130)
    assert (coverage.has_hours, coverage.open_now, coverage.next_opening, coverage.weekly_hours) == (
        False,
        False,
        None,
        0,
    )


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        week_coverage([NINE_TO_FIVE], viewer_zone=NEW_YORK, now=datetime(2026, 3, 4, 12))


# --- Against the model, at any instant of 2026 -------------------------------------------------------------

ZONES = [NEW_YORK, LONDON, MADRID, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/Havana"), ZoneInfo("UTC")]
QUARTER = timedelta(minutes=15)


@st.composite
def windows(draw):
    start, end = (draw(st.integers(0, 95)) * 15 for _ in range(2))
    return window(
        time(start // 60, start % 60),
        time(end // 60, end % 60),
        draw(st.sampled_from(ZONES)),
        draw(st.sets(st.integers(0, 6), min_size=1)),
        overnight=end <= start,
    )


def open_at(shifts, instant):
    return any(shift.is_open_at(instant) for shift in shifts)


@hypothesis_settings(max_examples=40)
@given(
    shifts=st.lists(windows(), min_size=1, max_size=3),
    zone=st.sampled_from(ZONES),
    minutes=st.integers(0, 365 * 24 * 4 - 1),
)
def test_the_grid_and_status_agree_with_the_model_minute_by_minute(shifts, zone, minutes):
    """Every window boundary, clock change and day start here falls on a quarter hour: sampling them is exact."""
    now = datetime(2026, 1, 1, tzinfo=UTC) + minutes * QUARTER
    coverage = week_coverage(shifts, viewer_zone=zone, now=now)

    assert coverage.open_now == open_at(shifts, now)
    if coverage.next_opening:
        assert coverage.next_opening > now
        assert open_at(shifts, coverage.next_opening) and not open_at(shifts, coverage.next_opening - QUARTER)
    if coverage.closes_at:
        assert not open_at(shifts, coverage.closes_at) and open_at(shifts, coverage.closes_at - QUARTER)

    open_quarters = 0
    dates = [day.date for day in coverage.days] + [coverage.days[-1].date + timedelta(days=1)]
    for day, following in zip(coverage.days, dates[1:], strict=True):
        for cell in day.cells:
            start = wall_to_instant(datetime.combine(day.date, time(cell.hour)), zone)
            end = wall_to_instant(
                datetime.combine(following, time(0))
                if cell.hour == 23
                else datetime.combine(day.date, time(cell.hour + 1)),
                zone,
            )
            states = {open_at(shifts, start + n * QUARTER) for n in range(round((end - start) / QUARTER))}
            open_quarters += sum(open_at(shifts, start + n * QUARTER) for n in range(round((end - start) / QUARTER)))
            expected = SKIPPED if not states else OPEN if states == {True} else CLOSED if states == {False} else PART
            assert cell.state == expected, (day.date, cell.hour)
    assert coverage.weekly_minutes == open_quarters * 15


# --- The viewer's zone and the switch links ----------------------------------------------------------------


def test_by_default_the_week_is_drawn_in_the_browser_s_own_zone_and_the_query_wins():
    factory = RequestFactory()
    factory.cookies["browser_time_zone"] = "Europe/Madrid"
    assert viewer_zone(factory.get("/"), NEW_YORK) == MADRID
    assert viewer_zone(factory.get("/", {"coverage_zone": "Europe/London"}), NEW_YORK) == LONDON
    factory.cookies["browser_time_zone"] = "Nowhere/Atlantis"
    assert viewer_zone(factory.get("/"), NEW_YORK) == NEW_YORK


def test_the_viewer_zone_comes_from_the_query_when_it_is_a_real_zone():
    factory = RequestFactory()
    assert viewer_zone(factory.get("/", {"coverage_zone": "Europe/Madrid"}), NEW_YORK) == MADRID
    assert viewer_zone(factory.get("/", {"coverage_zone": "Mars/Olympus_Mons"}), NEW_YORK) == NEW_YORK
    assert viewer_zone(factory.get("/", {"coverage_zone": "../../etc/passwd"}), "Europe/London") == LONDON
    assert viewer_zone(factory.get("/"), None) == ZoneInfo("UTC")


def test_coverage_for_defaults_to_the_first_windows_zone_and_keeps_the_query_in_its_links():
    request = RequestFactory().get("/onboarding/", {"next": "/settings/users/"})
    shifts = [window(time(9), time(17), LONDON), NINE_TO_FIVE]

    coverage = coverage_for(request, shifts, now=FIRST_0130)

    assert coverage.zone == LONDON
    assert [(choice.name, choice.current) for choice in coverage.zone_choices] == [
        ("Europe/London", True),
        ("America/New_York", False),
        ("UTC", False),
    ]
    assert coverage.zone_choices[1].href == "?next=%2Fsettings%2Fusers%2F&coverage_zone=America%2FNew_York#coverage"

    switched = coverage_for(RequestFactory().get("/", {"coverage_zone": "Asia/Tokyo"}), shifts, now=FIRST_0130)
    assert switched.zone == ZoneInfo("Asia/Tokyo")
    assert [choice.name for choice in switched.zone_choices] == [
        "Europe/London",
        "America/New_York",
        "UTC",
        "Asia/Tokyo",
    ]
    assert switched.zone_choices[-1].current


def test_coverage_for_draws_the_grid_at_the_clocks_time(monkeypatch):
    monkeypatch.setattr("contacts.coverage.clock", lambda: SECOND_0130)
    coverage = coverage_for(RequestFactory().get("/"), [NINE_TO_FIVE])
    assert coverage.now.astimezone(UTC) == SECOND_0130.astimezone(UTC)
    assert coverage.days[6].is_today and coverage.next_opening == datetime(2026, 11, 1, 9, tzinfo=NEW_YORK)


# --- The partial ---------------------------------------------------------------------------------------------


def render(coverage, **context):
    return render_to_string("contacts/_coverage.html", {"coverage": coverage, **context})


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def status_line(html):
    return text_of(re.search(r'<p class="coverage-status[^>]*>(.*?)</p>', html, re.S).group(1))


def day_items(html):
    listing = re.search(r'<ul class="coverage-days"[^>]*>(.*?)</ul>', html, re.S).group(1)
    return [text_of(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", listing, re.S)]


WEEKDAYS_NINE_TO_FIVE = window(time(9), time(17), NEW_YORK, days=WEEKDAYS)


def test_the_partial_reads_closed_and_the_next_opening_in_the_viewers_zone():
    monday_evening = datetime(2026, 3, 9, 20, tzinfo=NEW_YORK)
    html = render(week_coverage([WEEKDAYS_NINE_TO_FIVE], viewer_zone=NEW_YORK, now=monday_evening))

    assert status_line(html) == "Closed now · opens Tuesday 09:00"
    assert day_items(html) == [
        "Monday (today): 09:00–17:00",
        "Tuesday: 09:00–17:00",
        "Wednesday: 09:00–17:00",
        "Thursday: 09:00–17:00",
        "Friday: 09:00–17:00",
        "Saturday: closed",
        "Sunday: closed",
    ]
    assert "Times in America/New_York." in text_of(html)
    assert "Support this week: 40 of 168 hours." in text_of(html)


def test_the_partial_reads_open_and_the_closing_time_converted_to_the_viewer():
    tuesday_noon = datetime(2026, 3, 10, 12, tzinfo=NEW_YORK)
    html = render(week_coverage([WEEKDAYS_NINE_TO_FIVE], viewer_zone=MADRID, now=tuesday_noon))

    assert status_line(html) == "Open now · closes Tuesday 22:00"
    assert day_items(html)[1] == "Tuesday (today): 14:00–22:00"


def test_the_grid_is_for_the_eye_only_and_has_no_inline_style():
    html = render(week_coverage([NINE_TO_FIVE], viewer_zone=NEW_YORK, now=datetime(2026, 3, 8, 12, tzinfo=NEW_YORK)))
    grid = re.search(r'<div class="coverage-grid" aria-hidden="true">(.*?)</div>', html, re.S).group(1)

    assert len(re.findall(r'class="coverage-cell ', grid)) == 7 * 24
    assert len(re.findall(r"coverage-cell-open", grid)) == 7 * 8
    assert len(re.findall(r"coverage-cell-skipped", grid)) == 1
    assert len(re.findall(r"coverage-cell-now", grid)) == 1
    assert "style=" not in html
    assert '<ul class="coverage-legend" aria-hidden="true">' in html
    assert day_items(html)[-1] == "Sunday (today): 09:00–17:00 (the clocks go forward)"


def test_the_partial_says_24_7_and_all_day_and_draws_nothing_without_hours():
    always = render(week_coverage([], all_week=True, viewer_zone=LONDON, now=datetime(2026, 3, 29, 1, 30, tzinfo=UTC)))
    assert status_line(always) == "Open now · 24/7"
    assert day_items(always)[-1] == "Sunday (today): open all day (the clocks go forward)"
    assert "Support this week: 167 of 167 hours." in text_of(always)

    assert render(week_coverage([], viewer_zone=LONDON, now=FIRST_0130)).strip() == ""  # nothing to draw
    assert render(None).strip() == ""


def test_the_zone_links_mark_the_current_zone():
    request = RequestFactory().get("/", {"coverage_zone": "UTC"})
    html = render(coverage_for(request, [NINE_TO_FIVE], now=FIRST_0130), coverage_heading_level=2)

    assert '<a href="?coverage_zone=UTC#coverage" aria-current="true">UTC</a>' in html
    assert '<a href="?coverage_zone=America%2FNew_York#coverage">America/New_York</a>' in html
    assert '<h2 class="coverage-title" id="coverage-title">' in html


def test_the_weekday_is_in_the_pages_language():
    monday_evening = datetime(2026, 3, 9, 20, tzinfo=NEW_YORK)
    with translation.override("es"):
        html = render(week_coverage([WEEKDAYS_NINE_TO_FIVE], viewer_zone=NEW_YORK, now=monday_evening))

    status = status_line(html).lower()
    assert "martes" in status and "09:00" in status
    assert "Tuesday" not in html
    assert day_items(html)[5].lower().startswith("sábado")

"""The week's support coverage as a viewer sees it: a 7×24 grid, readable ranges, "open now" and weekly hours.

Each window is read on the wall clock of its own time zone, exactly as `SupportWindow.is_open_at` reads it
(open while the local clock shows a minute inside the window). Everything here is computed over the real
instants of the viewer's actual week, so a daylight-saving change in either zone moves, shortens or
lengthens what the viewer sees the way the clocks do. Pure functions: nothing here reads the database.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from django.http import QueryDict
from django.utils import timezone

from accounts.middleware import BROWSER_TIME_ZONE_COOKIE
from contacts.models import mask_to_days
from contacts.validation import MINUTES_PER_DAY, week_intervals

ZONE_PARAMETER = "coverage_zone"
GRID_ANCHOR = "coverage"
OPEN, PART, CLOSED, SKIPPED = "open", "part", "closed", "skipped"
HOUR = timedelta(hours=1)
# A weekly schedule repeats within a week; a clock change can push the next opening at most an hour or two on.
SEARCH_AHEAD = timedelta(days=8)


@cache
def known_zones():
    """Every IANA zone name this system knows (read from disk once)."""
    return frozenset(available_timezones())


def as_zone(value):
    """A ZoneInfo from a ZoneInfo, a zone name, or anything whose str() is a zone name."""
    return value if isinstance(value, ZoneInfo) else ZoneInfo(str(value))


def viewer_zone(request, default):
    """The zone the viewer asked to see the week in (`?coverage_zone=`), else their browser's (the cookie
    static/contacts/timezone.js sets), when valid; otherwise `default` (or UTC)."""
    for asked in (request.GET.get(ZONE_PARAMETER, ""), request.COOKIES.get(BROWSER_TIME_ZONE_COOKIE, "")):
        if asked.strip() in known_zones():
            return ZoneInfo(asked.strip())
    return as_zone(default) if default else ZoneInfo("UTC")


@dataclass(frozen=True)
class CoverageCell:
    """One hour of one day on the viewer's clock, and how much of it support is open."""

    hour: int
    state: str  # OPEN, PART, CLOSED, or SKIPPED (the hour does not exist: the clocks jumped over it)
    is_now: bool


@dataclass(frozen=True)
class CoverageRange:
    """A stretch of one day during which support is open, on the viewer's clock ("24:00" ends the day)."""

    start: str
    end: str

    def __str__(self):
        return f"{self.start}–{self.end}"


@dataclass(frozen=True)
class CoverageDay:
    """One day of the viewer's week: its 24 cells, its open ranges, and whether the clocks change that day."""

    date: date
    cells: tuple[CoverageCell, ...]
    ranges: tuple[CoverageRange, ...]
    clock_change: str  # "forward", "back", or "" (the day lasts 24 hours)
    is_today: bool

    @property
    def all_day(self):
        """Whether support is open for the whole day."""
        return len(self.ranges) == 1 and self.ranges[0].start == "00:00" and self.ranges[0].end == "24:00"


@dataclass(frozen=True)
class ZoneChoice:
    """A time zone the viewer can switch the grid to, with the link that does it."""

    name: str
    href: str
    current: bool


@dataclass(frozen=True)
class WeekCoverage:
    """What the coverage grid shows: the viewer's week, Monday first, and the status now."""

    zone: ZoneInfo
    now: datetime  # in `zone`
    days: tuple[CoverageDay, ...]
    open_now: bool
    next_opening: datetime | None  # in `zone`; None when support never closes, or there are no hours
    closes_at: datetime | None  # in `zone`; None when closed now, or support never closes
    weekly_minutes: int  # real minutes of support in the week (overlapping windows counted once)
    week_minutes: int  # real minutes in the week: 167, 168 or 169 hours where the clocks change
    all_week: bool
    has_hours: bool  # 24/7, or at least one window
    zone_choices: tuple[ZoneChoice, ...]

    @property
    def zone_name(self):
        """The viewer's zone as an IANA name."""
        return self.zone.key

    @property
    def weekly_hours(self):
        """Hours of support in the week: a whole number when it is one, else to the tenth."""
        return _hours(self.weekly_minutes)

    @property
    def week_hours(self):
        """Hours in the week on the viewer's clock (168 but where the clocks change)."""
        return _hours(self.week_minutes)

    @property
    def skips_an_hour(self):
        """Whether the clocks jump over an hour this week (a hatched cell, explained in the legend)."""
        return any(cell.state == SKIPPED for day in self.days for cell in day.cells)

    @property
    def always_open(self):
        """Whether support never closes (24/7, or windows that together cover every minute)."""
        return self.has_hours and self.open_now and self.closes_at is None


def _hours(minutes):
    return minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 1)


# --- Reading windows on their own clocks ---------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """A window reduced to what matters here: its zone, its boundary times, its week minute ranges."""

    zone: ZoneInfo
    times: tuple[time, ...]
    intervals: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, window):
        start, end = _to_minute(window.start), _to_minute(window.end)
        days = mask_to_days(window.days)
        return cls(as_zone(window.time_zone), (start, end), tuple(week_intervals(days, start, end, window.overnight)))

    def is_open_at(self, instant):
        """Same reading as SupportWindow.is_open_at: the local wall-clock minute of the week."""
        local = instant.astimezone(self.zone)
        minute = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
        return any(low <= minute < high for low, high in self.intervals)


class _Always:
    """24/7: open at every instant."""

    zone = None

    def is_open_at(self, instant):
        return True


def _to_minute(value):
    return time(value.hour, value.minute)


def wall_to_instant(local, zone):
    """The first real instant (UTC) at which the clock in `zone` shows `local` (a naive datetime) or later.

    A time shown twice (clocks going back) gives its first occurrence; a time never shown (clocks going
    forward) gives the instant of the jump, when the clock first shows a later time.
    """
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first
    # In a gap: one reading of `local` falls before the jump, the other after. Find the jump itself.
    low, high = sorted((first, local.replace(tzinfo=zone, fold=1).astimezone(UTC)))
    return _first_change(zone, low, high)


def _first_change(zone, low, high):
    """The first instant in (low, high] whose UTC offset in `zone` differs from the offset at `low`."""
    before = low.astimezone(zone).utcoffset()
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == before:
            lo = middle
        else:
            hi = middle
    return datetime.fromtimestamp(hi, UTC)


def _transitions(zone, start, end):
    """The instants in [start, end] at which `zone` changes its UTC offset (clock changes)."""
    found = []
    moment = start
    offset = start.astimezone(zone).utcoffset()
    while moment < end:
        following = min(moment + HOUR, end)
        next_offset = following.astimezone(zone).utcoffset()
        if next_offset != offset:
            found.append(_first_change(zone, moment, following))
            offset = next_offset
        moment = following
    return found


def _boundaries(shape, start, end):
    """Instants in [start, end] where the window may open or close: its times on every local date, both folds."""
    first_day = start.astimezone(shape.zone).date() - timedelta(days=1)
    last_day = end.astimezone(shape.zone).date() + timedelta(days=1)
    instants = []
    day = first_day
    while day <= last_day:
        for value in shape.times:
            local = datetime.combine(day, value)
            for fold in (0, 1):
                instant = local.replace(tzinfo=shape.zone, fold=fold).astimezone(UTC)
                if start <= instant <= end:
                    instants.append(instant)
        day += timedelta(days=1)
    return instants


def _segments(shapes, start, end, extra=()):
    """[(from, to, open)] covering [start, end), split wherever any window may change state."""
    points = {start, end, *(point for point in extra if start <= point <= end)}
    for zone in {shape.zone for shape in shapes if shape.zone is not None}:
        points.update(_transitions(zone, start, end))
    for shape in shapes:
        if isinstance(shape, _Shape):
            points.update(_boundaries(shape, start, end))
    ordered = sorted(points)
    # Between two consecutive points no clock jumps and no window boundary is crossed: the state holds.
    return [
        (low, high, any(shape.is_open_at(low) for shape in shapes)) for low, high in pairwise(ordered) if high > low
    ]


def _runs(segments):
    """Merge adjacent open segments into [(from, to)] stretches of support."""
    runs = []
    for low, high, is_open in segments:
        if not is_open:
            continue
        if runs and runs[-1][1] == low:
            runs[-1] = (runs[-1][0], high)
        else:
            runs.append((low, high))
    return runs


# --- The viewer's week ---------------------------------------------------------------------------------


def week_coverage(windows: Iterable, *, all_week=False, viewer_zone, now, query=None):
    """The coverage of the viewer's week containing `now` (aware), Monday first, read in `viewer_zone`.

    `windows` are SupportWindow instances (or anything with days, start, end, overnight and time_zone);
    `query` is the current GET query, kept in the zone-switch links.
    """
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    zone = as_zone(viewer_zone)
    windows = list(windows)
    shapes = [_Always()] if all_week else [_Shape.of(window) for window in windows]
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    dates = [monday + timedelta(days=offset) for offset in range(8)]
    # Every hour boundary of the week on the viewer's clock, as real instants: hour 24 of a day is the next 00.
    hour_starts = [
        [wall_to_instant(datetime.combine(day, time(hour)), zone) for hour in range(24 if day < dates[7] else 1)]
        for day in dates
    ]
    day_starts = [hours[0] for hours in hour_starts]
    week_start, week_end = day_starts[0], day_starts[7]

    segments = _segments(shapes, week_start, week_end, extra=[instant for hours in hour_starts for instant in hours])
    runs = _runs(segments)
    days = []
    for index, day in enumerate(dates[:7]):
        bounds = [*hour_starts[index], day_starts[index + 1]]
        cells = tuple(
            CoverageCell(
                hour, _cell_state(segments, bounds[hour], bounds[hour + 1]), bounds[hour] <= now < bounds[hour + 1]
            )
            for hour in range(24)
        )
        length = day_starts[index + 1] - day_starts[index]
        change = "forward" if length < timedelta(days=1) else "back" if length > timedelta(days=1) else ""
        ranges = tuple(_day_ranges(runs, day_starts[index], day_starts[index + 1], zone))
        days.append(CoverageDay(day, cells, ranges, change, day == today))

    open_now, next_opening, closes_at = _status(shapes, now)
    return WeekCoverage(
        zone=zone,
        now=now.astimezone(zone),
        days=tuple(days),
        open_now=open_now,
        next_opening=next_opening.astimezone(zone) if next_opening else None,
        closes_at=closes_at.astimezone(zone) if closes_at else None,
        weekly_minutes=round(sum((high - low for low, high in runs), timedelta()).total_seconds() / 60),
        week_minutes=round((week_end - week_start).total_seconds() / 60),
        all_week=all_week,
        has_hours=bool(shapes),
        zone_choices=_zone_choices(zone, windows, query),
    )


def _cell_state(segments, start, end):
    if end <= start:
        return SKIPPED
    covered = sum(
        (min(high, end) - max(low, start) for low, high, is_open in segments if is_open and low < end and start < high),
        timedelta(),
    )
    if covered <= timedelta(0):
        return CLOSED
    return OPEN if covered >= end - start else PART


def _day_ranges(runs, day_start, day_end, zone):
    for low, high in runs:
        low, high = max(low, day_start), min(high, day_end)
        if low < high:
            yield CoverageRange(
                "00:00" if low == day_start else f"{low.astimezone(zone):%H:%M}",
                "24:00" if high == day_end else f"{high.astimezone(zone):%H:%M}",
            )


def _status(shapes, now):
    """(open now, next opening, closing time) as UTC instants, looking a little over a week ahead."""
    if not shapes:
        return False, None, None
    segments = _segments(shapes, now, now + SEARCH_AHEAD)
    open_now = segments[0][2]
    closes_at = next((low for low, _high, is_open in segments if not is_open), None) if open_now else None
    after = closes_at if open_now else now
    next_opening = None
    if after is not None:  # open now and never closing: there is no next opening
        next_opening = next((low for low, _high, is_open in segments if is_open and low > after), None)
    return open_now, next_opening, closes_at


def _zone_choices(zone, windows, query):
    """The windows' zones (the first window's first), UTC and the viewer's zone, as switch links."""
    names = []
    for name in [*(as_zone(window.time_zone).key for window in windows), "UTC", zone.key]:
        if name not in names:
            names.append(name)  # a stable order: switching zones does not shuffle the links
    choices = []
    for name in names:
        params = query.copy() if query is not None else QueryDict(mutable=True)
        params[ZONE_PARAMETER] = name
        choices.append(ZoneChoice(name, f"?{params.urlencode()}#{GRID_ANCHOR}", name == zone.key))
    return tuple(choices)


def clock():
    """The time the grid is drawn at: its own function so that a test of a whole page can fix it."""
    return timezone.now()


def coverage_for(request, windows, *, all_week=False, now=None):
    """The coverage grid for a page: in the zone the viewer chose, else their browser's, else the first window's."""
    windows = list(windows)
    default = windows[0].time_zone if windows else timezone.get_current_timezone()
    return week_coverage(
        windows,
        all_week=all_week,
        viewer_zone=viewer_zone(request, default),
        now=now or clock(),
        query=request.GET,
    )

"""Rules about support windows that span several rows of the form."""

from itertools import combinations

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def _minutes(value):
    return value.hour * 60 + value.minute


def week_intervals(days, start, end, overnight):
    """The [from, to) minute ranges of the week a window covers; Sunday overnight wraps to Monday."""
    begin = _minutes(start)
    finish = _minutes(end) + (MINUTES_PER_DAY if overnight else 0)
    for day in days:
        low, high = day * MINUTES_PER_DAY + begin, day * MINUTES_PER_DAY + finish
        if high > MINUTES_PER_WEEK:
            yield low, MINUTES_PER_WEEK
            yield 0, high - MINUTES_PER_WEEK
        else:
            yield low, high


def windows_overlap(first, second):
    """Whether two windows share a minute; windows in different time zones never clash."""
    if str(first["time_zone"]) != str(second["time_zone"]):
        return False
    ranges = list(week_intervals(first["days"], first["start"], first["end"], first["overnight"]))
    return any(
        low < other_high and other_low < high
        for low, high in ranges
        for other_low, other_high in week_intervals(second["days"], second["start"], second["end"], second["overnight"])
    )


def overlapping_pairs(windows):
    """Index pairs (i, j) of the windows that overlap."""
    return [(i, j) for (i, first), (j, second) in combinations(enumerate(windows), 2) if windows_overlap(first, second)]

"""Time zones found by what people type: an IANA name, a city, a country, a UTC offset or an abbreviation.

`time_zone_find` answers with one zone, or raises AmbiguousTimeZone with the few likely choices: it never
guesses between zones that keep different hours. The names come from zoneinfo (the zones this machine knows)
and Babel (city and country names in every language of the portal); the indexes are built once per process.
"""

import re
import threading
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

UTC_NAME = "UTC"
# At most this many choices in an error message: enough to find one's own, short enough to read.
MAX_CHOICES = 6

# Zones people most often mean, in that order: the representative of a group of zones that keep the same hours,
# and the first choices offered for a country or an offset. Every other zone follows, in the tz database's order
# (most populous first within a country).
LIKELY_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Lisbon",
    "Europe/Dublin",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Helsinki",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Atlantic/Canary",
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Tijuana",
    "America/Bogota",
    "America/Lima",
    "America/Caracas",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "America/Havana",
    "America/Puerto_Rico",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Africa/Casablanca",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Asia/Jerusalem",
    "Asia/Tehran",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Taipei",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
)


# Common abbreviations and short names. One zone: it is meant (every zone of the abbreviation keeps the same
# hours today). Several: the abbreviation is ambiguous, and the user picks. Notes say what each one is.
class Territory(str):
    """A country as a note: its code, named by Babel in the active language when shown."""

    def __str__(self):
        return country_name(str.__str__(self))


US_EASTERN = ("America/New_York", _("US Eastern"))
US_CENTRAL = ("America/Chicago", _("US Central"))
US_MOUNTAIN = ("America/Denver", _("US Mountain"))
US_PACIFIC = ("America/Los_Angeles", _("US Pacific"))
ABBREVIATIONS = {
    "ET": [US_EASTERN],
    "EST": [US_EASTERN],
    "EDT": [US_EASTERN],
    "CT": [US_CENTRAL],
    "CST": [US_CENTRAL, ("America/Havana", Territory("CU")), ("Asia/Shanghai", Territory("CN"))],
    "CDT": [US_CENTRAL, ("America/Havana", Territory("CU"))],
    "MT": [US_MOUNTAIN],
    "MST": [US_MOUNTAIN, ("America/Phoenix", _("Arizona, no daylight saving"))],
    "MDT": [US_MOUNTAIN],
    "PT": [US_PACIFIC],
    "PST": [US_PACIFIC],
    "PDT": [US_PACIFIC],
    "AKST": [("America/Anchorage", _("Alaska"))],
    "AKDT": [("America/Anchorage", _("Alaska"))],
    "HST": [("Pacific/Honolulu", _("Hawaii"))],
    "AST": [
        ("America/Halifax", _("Atlantic, Canada")),
        ("America/Puerto_Rico", Territory("PR")),
        ("Asia/Riyadh", _("Arabia")),
    ],
    "ADT": [("America/Halifax", _("Atlantic, Canada"))],
    "NST": [("America/St_Johns", _("Newfoundland"))],
    "NDT": [("America/St_Johns", _("Newfoundland"))],
    "GMT": [("Europe/London", _("UK, with summer time")), (UTC_NAME, _("no summer time"))],
    "BST": [("Europe/London", _("British Summer Time")), ("Asia/Dhaka", Territory("BD"))],
    "WET": [("Europe/Lisbon", _("Western European"))],
    "WEST": [("Europe/Lisbon", _("Western European"))],
    "CET": [("Europe/Paris", _("Central European"))],
    "CEST": [("Europe/Paris", _("Central European"))],
    "EET": [("Europe/Athens", _("Eastern European"))],
    "EEST": [("Europe/Athens", _("Eastern European"))],
    "MSK": [("Europe/Moscow", _("Moscow"))],
    "IST": [("Asia/Kolkata", Territory("IN")), ("Europe/Dublin", Territory("IE")), ("Asia/Jerusalem", Territory("IL"))],
    "PKT": [("Asia/Karachi", Territory("PK"))],
    "ICT": [("Asia/Bangkok", _("Indochina"))],
    "WIB": [("Asia/Jakarta", _("Western Indonesia"))],
    "HKT": [("Asia/Hong_Kong", Territory("HK"))],
    "SGT": [("Asia/Singapore", Territory("SG"))],
    "JST": [("Asia/Tokyo", Territory("JP"))],
    "KST": [("Asia/Seoul", Territory("KR"))],
    "AWST": [("Australia/Perth", _("Western Australia"))],
    "ACST": [
        ("Australia/Adelaide", _("South Australia, with summer time")),
        ("Australia/Darwin", _("Northern Territory, no summer time")),
    ],
    "ACDT": [("Australia/Adelaide", _("South Australia"))],
    "AEST": [
        ("Australia/Sydney", _("Eastern Australia, with summer time")),
        ("Australia/Brisbane", _("Queensland, no summer time")),
    ],
    "AEDT": [("Australia/Sydney", _("Eastern Australia"))],
    "NZST": [("Pacific/Auckland", Territory("NZ"))],
    "NZDT": [("Pacific/Auckland", Territory("NZ"))],
    "SAST": [("Africa/Johannesburg", Territory("ZA"))],
    "WAT": [("Africa/Lagos", _("West Africa"))],
    "CAT": [("Africa/Maputo", _("Central Africa"))],
    "EAT": [("Africa/Nairobi", _("East Africa"))],
    "BRT": [("America/Sao_Paulo", _("Brasília"))],
    "ART": [("America/Argentina/Buenos_Aires", Territory("AR"))],
}

# Names of countries people type that are not the names CLDR gives them (both languages).
COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "eeuu": "US",
    "ee uu": "US",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "inglaterra": "GB",
    "gran bretana": "GB",
    "holland": "NL",
    "holanda": "NL",
}

# "UTC+1", "utc+01:00", "GMT-5", "+05:30", "UTC−3" (a typographic minus), "UTC+0530".
OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$", re.IGNORECASE)


# "Canary Islands", "Islas Canarias": CLDR names the place ("Canary", "Canarias") without the word.
ISLANDS = re.compile(r"\b(islands?|islas?|is)\b")


@dataclass(frozen=True)
class ZoneChoice:
    """One zone offered to the user, with a few words that tell it apart (a country, an offset)."""

    zone: str
    note: str = ""

    def __str__(self):
        return f"{self.zone} ({self.note})" if self.note else self.zone


class AmbiguousTimeZone(Exception):
    """What was typed matches zones that keep different hours: the user must pick one of `choices`."""

    def __init__(self, typed, choices, *, more=False, kind="name"):
        super().__init__(typed)
        self.typed, self.choices, self.more, self.kind = typed, list(choices), more, kind

    @property
    def message(self):
        """The error, in the active language: what was typed, the choices, and what to do."""
        names = [str(choice) for choice in self.choices]
        if self.kind == "name":
            listed = names[0]
            if len(names) > 1:
                listed = _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
            return _("“%(value)s” can mean %(choices)s: type the one you mean.") % {
                "value": self.typed,
                "choices": listed,
            }
        listed = ", ".join(names)
        if self.more:
            listed = _("%(list)s and others") % {"list": listed}
        return _("Several time zones match “%(value)s”: %(choices)s. Type your city, or one of these.") % {
            "value": self.typed,
            "choices": listed,
        }


def fold(text):
    """Text as the indexes compare it: no accents, no case, underscores as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[_.'’]", " ", text).casefold().split())


@cache
def time_zone_names():
    """Every IANA time zone name this machine knows, sorted, keyed by lower case for forgiving input."""
    return {name.lower(): name for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == UTC_NAME}


@cache
def canonical_zones():
    """{zone: territory} for the zones of a place (no aliases, no Etc/ offsets) that this machine knows."""
    known = set(time_zone_names().values())
    territories = get_global("zone_territories")
    return {
        zone: territory
        for zone, territory in territories.items()
        if zone in known and territory not in {"ZZ", "001"} and not zone.startswith("Etc/")
    }


def canonical(zone):
    """The current name of a zone ('Asia/Kolkata' for 'Asia/Calcutta')."""
    return get_global("zone_aliases").get(zone, zone)


@cache
def zone_order():
    """{zone: rank}: the likely zones first, then the tz database's order (most populous first per country)."""
    order = {zone: rank for rank, zone in enumerate(LIKELY_ZONES)}
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                fields = line.split("\t")
                if len(fields) >= 3 and not line.startswith("#"):
                    order.setdefault(fields[2], len(order))
            break
    return order


def rank(zone):
    """Sort key: the more likely zone first, then by name."""
    return (zone_order().get(zone, len(LIKELY_ZONES) + 10_000), zone)


def languages():
    """The portal's languages: names in every one of them are accepted, whatever the page's language."""
    return [code for code, _name in settings.LANGUAGES]


@cache
def locale(language):
    """The Babel locale of a Django language code, English when Babel does not know it."""
    try:
        return Locale.parse(language or "en", sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


@cache
def search_index():
    """(cities, countries): folded name -> set of zones, and folded country name -> territory, in every language."""
    cities, countries = {}, dict(COUNTRY_ALIASES)
    zones = canonical_zones()
    for language in languages():
        babel_locale = locale(language)
        for zone in zones:
            cities.setdefault(fold(get_timezone_location(zone, babel_locale, return_city=True)), set()).add(zone)
        for territory in set(zones.values()):
            name = babel_locale.territories.get(territory)
            if name:
                countries.setdefault(fold(name), territory)
    for zone in time_zone_names().values():
        target = canonical(zone)
        if target in zones:  # 'New York', 'Calcutta', 'Buenos Aires': the last part of the name, aliases included
            cities.setdefault(fold(zone.rsplit("/", 1)[-1]), set()).add(target)
    return cities, countries


@cache
def territory_zones():
    """{territory: [zones]}, each list most likely first."""
    grouped = {}
    for zone, territory in canonical_zones().items():
        grouped.setdefault(territory, []).append(zone)
    return {territory: sorted(zones, key=rank) for territory, zones in grouped.items()}


@lru_cache(maxsize=2048)
def hours_kept(zone, day):
    """The zone's UTC offsets at noon (UTC) on each of the 365 days from `day`: two zones with the same
    answer keep the same hours all year, so either may stand for the other."""
    info = zoneinfo.ZoneInfo(zone)
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return tuple((start + timedelta(days=n)).astimezone(info).utcoffset() for n in range(365))


def same_hours_groups(zones, now):
    """The zones grouped by the hours they keep, each group as its most likely zone; most likely group first."""
    groups = {}
    for zone in sorted(zones, key=rank):
        groups.setdefault(hours_kept(zone, now.date()), zone)
    return sorted(groups.values(), key=rank)


def offset_text(offset):
    """A UTC offset as people read it: 'UTC+01:00', 'UTC-05:00', 'UTC+05:45'."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_offset(zone, now):
    """The zone's UTC offset at `now`."""
    return now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()


def country_name(territory, language=None):
    """A territory's name in the active language ('Spain', 'España'), or its code when Babel has no name."""
    return locale(language or get_language()).territories.get(territory, territory)


def _found(typed, choices, *, kind):
    """The one zone of `choices`, or AmbiguousTimeZone listing the first few."""
    if len(choices) == 1:
        return choices[0].zone
    raise AmbiguousTimeZone(typed, choices[:MAX_CHOICES], more=len(choices) > MAX_CHOICES, kind=kind)


def _by_offset(typed, match, now):
    """Zones whose offset is the one typed, now or in their standard time: one per country and way of keeping
    time (New York and Chicago are both at UTC-5 in July), most likely first."""
    sign = -1 if match["sign"] in "-−" else 1
    wanted = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0)) * sign
    if wanted == timedelta(0):
        return UTC_NAME  # UTC+0 is UTC itself: no zone to choose
    half_a_year = now + timedelta(days=182)
    kept = {}
    for zone in sorted(canonical_zones(), key=rank):
        info = zoneinfo.ZoneInfo(zone)
        local = now.astimezone(info)
        if wanted in {local.utcoffset(), local.utcoffset() - (local.dst() or timedelta(0))}:
            way = (canonical_zones()[zone], local.utcoffset(), half_a_year.astimezone(info).utcoffset())
            kept.setdefault(way, zone)
    zones = sorted(kept.values(), key=rank)
    if not zones:
        return None
    choices = [ZoneChoice(zone, country_name(canonical_zones()[zone])) for zone in zones]
    return _found(typed, choices, kind="several")


def _by_country(typed, territory, now):
    """A country's zone, when all its zones keep the same hours; else the choice of one per group of hours."""
    zones = same_hours_groups(territory_zones().get(territory, []), now)
    if not zones:
        return None
    choices = [ZoneChoice(zone, offset_text(zone_offset(zone, now))) for zone in zones]
    return _found(typed, choices, kind="several")


def _by_name(typed, key, now):
    """A city (or the last part of a zone name), else a country."""
    cities, countries = search_index()
    zones = cities.get(key) or cities.get(ISLANDS.sub("", key).strip())
    if zones:
        choices = [ZoneChoice(zone, country_name(canonical_zones()[zone])) for zone in sorted(zones, key=rank)]
        return _found(typed, choices, kind="name")
    if key in countries:
        return _by_country(typed, countries[key], now)
    return None


def time_zone_find(text, *, now=None):
    """The IANA zone that `text` names, None when it names none; AmbiguousTimeZone when it could be several.

    Read in this order: an IANA name (any case), a UTC offset, an abbreviation, a city, a country, and
    "City, Country" or "City · Country · offset" (the way the suggestions are labelled).
    """
    typed = " ".join(str(text).split())
    if not typed:
        return None
    now = now or datetime.now(UTC)
    exact = time_zone_names().get(typed.lower())
    if exact:
        return exact
    match = OFFSET.match(typed)
    if match:
        return _by_offset(typed, match, now)
    meanings = ABBREVIATIONS.get(typed.upper())
    if meanings:
        return _found(typed, [ZoneChoice(zone, note) for zone, note in meanings], kind="name")
    found = _by_name(typed, fold(typed), now)
    parts = [part for part in re.split(r"\s*[·,()]\s*", typed) if part]
    if found is None and parts and re.search(r"[·,(]", typed):  # "," alone names nothing
        city, *rest = parts
        found = _by_city_in_country(typed, city, rest, now)
    return found


def _by_city_in_country(typed, city, rest, now):
    """ "Madrid, Spain" or "Madrid · Spain · UTC+01:00": the city, narrowed to the country when one is named."""
    cities, countries = search_index()
    zones = cities.get(fold(city))
    if not zones:
        return None
    named = {countries[fold(part)] for part in rest if fold(part) in countries}
    narrowed = [zone for zone in zones if canonical_zones()[zone] in named] or sorted(zones, key=rank)
    choices = [ZoneChoice(zone, country_name(canonical_zones()[zone])) for zone in sorted(narrowed, key=rank)]
    return _found(typed, choices, kind="name")


def zone_label(zone, language, now):
    """How the suggestions show a zone: 'Madrid · Spain · UTC+01:00' (city and country in `language`)."""
    offset = offset_text(zone_offset(zone, now))
    target = canonical(zone)
    territory = canonical_zones().get(target)
    if territory is None:  # UTC and the Etc/ offsets: the offset says it all
        return offset
    babel_locale = locale(language)
    city = get_timezone_location(zone, babel_locale, return_city=True)
    country = babel_locale.territories.get(territory, "")
    return " · ".join(part for part in dict.fromkeys([city, country, offset]) if part)


_datalists = {}
_datalists_lock = threading.Lock()


def time_zone_datalist(language=None, *, now=None):
    """The suggestions for every time-zone input of a page: one option per zone, labelled with its city, country
    and offset in the page's language, so a browser's list finds it by any of them.

    Built once per language and hour (offsets change with daylight saving), then the same string on every page.
    """
    language = language or get_language() or settings.LANGUAGE_CODE
    now = now or datetime.now(UTC)
    key = (language, now.replace(minute=0, second=0, microsecond=0))
    html = _datalists.get(key)
    if html is None:
        options = "".join(
            format_html('<option value="{}">{}</option>', zone, zone_label(zone, language, now))
            for zone in time_zone_names().values()
        )
        html = mark_safe(f'<datalist id="time-zone-names">{options}</datalist>')
        with _datalists_lock:
            for old in [old for old in _datalists if old[0] == language]:
                del _datalists[old]
            _datalists[key] = html
    return html


TIME_ZONE_HELP = _(
    "Type a city (Madrid) or a name from the list (Europe/Madrid); a country or an offset (UTC+1) finds the zones "
    "it may mean."
)

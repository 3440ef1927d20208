"""What changed between two recorded versions of the contact information, for people to read.

The activity log keeps data, never sentences: each snapshot (ContactInformation.as_dict) maps a category code
to its entries (contacts as their fields, alert contacts as emails, support hours as a 24/7 flag and windows),
and this module words them in the reader's language when the log is read. Snapshots recorded before that held
ready-made text; those lines are shown as they were written.
"""

import phonenumbers
from django.conf import settings
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from contacts.categories import CATEGORIES
from partners.models import Activity, Partner, Role

LABELS = {category.code: category.label for category in CATEGORIES}
HOURS = "support_hours"
# The 24/7 flag, as one entry among the support windows it replaces.
ALL_WEEK = {"support_24_7": True}


def contact_data(contact):
    """A contact as data: its email, name, phone (E.164), support page and email language."""
    return {
        "email": contact.email,
        "name": contact.name,
        "phone": contact.phone.as_e164 if contact.phone else "",
        "url": contact.url,
        "language": contact.language,
    }


def window_data(window):
    """A support window as data: weekday numbers (Monday 0), start and end as HH:MM, overnight, time zone."""
    return {
        "days": list(window.day_list),
        "start": f"{window.start:%H:%M}",
        "end": f"{window.end:%H:%M}",
        "overnight": window.overnight,
        "time_zone": str(window.time_zone),
    }


def support_hours_data(*, support_24_7, windows):
    """Support hours as data: the 24/7 flag and the windows (each from window_data)."""
    return {"support_24_7": support_24_7, "windows": [window_data(window) for window in windows]}


def phone_text(e164):
    """A stored E.164 number in international format ('+34 612 34 56 78'), or as stored if it does not parse."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def language_text(code):
    """A language code in words, in the reader's language ('Spanish', 'Español')."""
    names = dict(settings.LANGUAGES)
    return str(names[code]) if code in names else code


def contact_text(data):
    """A contact in one line: 'Ana <ana@example.com> +34 612 34 56 78 https://… [Spanish]'."""
    name, email = data.get("name", ""), data.get("email", "")
    parts = [name, f"<{email}>" if name else email]
    if data.get("phone"):
        parts.append(phone_text(data["phone"]))
    if data.get("url"):
        parts.append(data["url"])
    if data.get("language"):
        parts.append(f"[{language_text(data['language'])}]")
    return " ".join(part for part in parts if part)


def days_text(days):
    """Weekdays in words, runs of three or more as one ('Monday–Friday, Sunday'); 'Every day' for all seven."""
    days = sorted({int(day) for day in days if int(day) in WEEKDAYS})
    if len(days) == len(WEEKDAYS):
        return _("Every day")
    runs = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(first)s–%(last)s") % {"first": WEEKDAYS[run[0]], "last": WEEKDAYS[run[-1]]})
        else:
            parts.extend(str(WEEKDAYS[day]) for day in run)
    return capfirst(", ".join(parts))  # Spanish names weekdays in lower case: "De lunes a viernes"


def window_text(data):
    """A support window in one line: 'Monday–Friday 09:00–17:00 Europe/Madrid'."""
    hours = f"{data.get('start', '')}–{data.get('end', '')}"
    line = f"{days_text(data.get('days', []))} {hours} {data.get('time_zone', '')}"
    if data.get("overnight"):
        line = f"{line}, {_('ends the next day')}"
    return line


def entries(code, value):
    """The entries of one category in a snapshot, whatever the snapshot's age: a list of data or of old text."""
    if isinstance(value, dict):  # support hours: the 24/7 flag and the windows
        return ([ALL_WEEK] if value.get("support_24_7") else []) + list(value.get("windows", []))
    return list(value) if isinstance(value, list) else []


def entry_text(code, entry):
    """One entry in the reader's language; an old snapshot's text as it was written."""
    if not isinstance(entry, dict):
        return str(entry)
    if entry == ALL_WEEK:
        return _("24/7")
    if code == HOURS:
        return window_text(entry)
    return contact_text(entry)


def contact_changes(before, after):
    """(category label, removed entries, added entries) for each category that differs, in the reader's language."""
    changes = []
    for code in dict.fromkeys([*before, *after]):
        if code not in LABELS:
            continue
        old, new = entries(code, before.get(code)), entries(code, after.get(code))
        if old != new:
            removed = [entry_text(code, entry) for entry in old if entry not in new]
            added = [entry_text(code, entry) for entry in new if entry not in old]
            changes.append((LABELS[code], removed, added))
    return changes


def label_of(choices, value):
    """The label of a stored code, or None for a code the choices do not know (never shown raw to partners)."""
    return choices(value).label if value in choices.values else None


def activity_details(entry):
    """(label, removed, added) for what a member or integration change recorded: roles and statuses in words."""
    before, after = entry.before or {}, entry.after or {}
    details = []
    for key, title, choices in (("role", _("Role"), Role), ("status", _("Status"), Partner.Status)):
        if before.get(key) == after.get(key):
            continue
        old, new = label_of(choices, before.get(key)), label_of(choices, after.get(key))
        if old or new:
            details.append((title, [old] if old else [], [new] if new else []))
    if before.get("phone_region") != after.get("phone_region"):
        from contacts.forms.fields import country_name  # models import this module; the forms import models

        old, new = before.get("phone_region"), after.get("phone_region")
        details.append((_("Phone region"), [country_name(old)] if old else [], [country_name(new)] if new else []))
    if after.get("reason"):  # the operator's reason for disabling, which the partner's banner shows too
        details.append((_("Reason"), [], [after["reason"]]))
    return details


def action_text(entry):
    """What happened, in words; a code the log's choices do not know is named generically, never shown raw."""
    return label_of(Activity.Action, entry.action) or _("Other change")


def changes_since(partner, version, limit=5):
    """The saves that came after `version`, newest first, each with its readable changes."""
    saves = Activity.objects.filter(
        partner=partner, action=Activity.Action.CONTACTS_UPDATED, after__version__gt=version
    ).select_related("actor")[:limit]
    return [(activity, contact_changes(activity.before, activity.after)) for activity in saves]

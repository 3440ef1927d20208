"""Protecting the routing: whoever changes where emergencies and alerts go is told on, to the partner's Admins and
to the addresses being replaced, so that a mistaken or malicious change is noticed (and restored) quickly.

The routing is the technical emergency contacts, the alert contacts and the contact shared with users. Every email
says what changed, in its reader's language (contacts.history words the recorded data), and links to the
activity entry, where an Admin can restore the previous version.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.identity import canonical_email
from accounts.models import User
from accounts.outbox import email_build, email_render, emails_queue
from contacts.categories import ALERT, CATEGORIES_BY_CODE, ContactCategory
from contacts.history import contact_changes, entries
from partners.models import named_actor_display, person_display

# The categories that route emergencies and alerts, and the one public address users are sent to.
ROUTING = (ContactCategory.TECHNICAL_EMERGENCY.value, ALERT.code, ContactCategory.SHARED.value)


def routing_of(snapshot):
    """The routing categories of a snapshot (ContactInformation.as_dict), each as a list of entries."""
    snapshot = snapshot or {}
    return {code: entries(code, snapshot.get(code)) for code in ROUTING}


def _comparable(values):
    # The order of rows is no change: a save keeps rows by value, and an unchanged row keeps its place anyway.
    return sorted(json.dumps(value, sort_keys=True, default=str) for value in values)


def routing_changed(before, after):
    """Whether the technical emergency, alert or shared contacts differ between two snapshots."""
    old, new = routing_of(before), routing_of(after)
    return any(_comparable(old[code]) != _comparable(new[code]) for code in ROUTING)


def _addresses(code, values):
    """{canonical address: (address, the contact's own language or "")} of one category's entries.

    Alert contacts are recorded as addresses; contacts as their fields. A contact recorded as text (snapshots
    older than the data format) names no address reliably, and is left out.
    """
    found = {}
    for value in values:
        if isinstance(value, dict) and value.get("email"):
            found[canonical_email(value["email"])] = (value["email"], value.get("language") or "")
        elif code == ALERT.code and isinstance(value, str) and value:
            found[canonical_email(value)] = (value, "")
    return found


def replaced_addresses(before, after):
    """{canonical address: (address, contact's language or "", [category codes])} of the addresses a routing
    category held before the change and no longer holds after it."""
    old, new = routing_of(before), routing_of(after)
    replaced = {}
    for code in ROUTING:
        kept = _addresses(code, new[code])
        for canonical, (address, language) in _addresses(code, old[code]).items():
            if canonical not in kept:
                entry = replaced.setdefault(canonical, (address, language, []))
                entry[2].append(code)
                if language and not entry[1]:
                    replaced[canonical] = (address, language, entry[2])
    return replaced


def _recipients(partner, replaced):
    """{canonical address: (address, language, is_admin, [category codes])}: one per address, the Admins first.

    An Admin writes in their own language; a replaced alert contact is a user, in theirs; a replaced contact in
    the language chosen for it, or the partner's.
    """
    recipients = {}
    admins = partner.memberships.admins().select_related("user").order_by("user__email")
    for membership in admins:
        user = membership.user
        recipients[canonical_email(user.email)] = (user.email, user.language, True, [])
    users = {}
    alerts = [canonical for canonical, (_a, _l, codes) in replaced.items() if ALERT.code in codes]
    if alerts:
        users = dict(User.objects.filter(email_canonical__in=alerts).values_list("email_canonical", "language"))
    for canonical, (address, language, codes) in replaced.items():
        if canonical in recipients:
            email, admin_language, is_admin, _codes = recipients[canonical]
            recipients[canonical] = (email, admin_language, is_admin, codes)
            continue
        language = users.get(canonical) or language or partner.language
        recipients[canonical] = (address, language, False, codes)
    return recipients


def _actor_text(activity):
    """Who made the change, for the email: an operator named as such, a member by name and address."""
    label = activity.actor_label or ""
    return named_actor_display(label) or (person_display(activity.actor) if activity.actor else label)


def activity_link(activity):
    """The absolute address of an activity entry on Settings › Activity."""
    return f"{settings.PORTAL_BASE_URL}{reverse('portal:activity')}#activity-{activity.pk}"


def routing_change_notify(*, partner, activity, before, after):
    """Email the partner's Admins and every address the change replaces, once each and in their language, when the
    technical emergency, alert or shared contacts changed; returns the queued emails (none when they did not).

    Called inside the save's transaction: the emails are queued with it, or not at all.
    """
    if not routing_changed(before, after):
        return []
    old, new = routing_of(before), routing_of(after)
    recipients = _recipients(partner, replaced_addresses(before, after))
    link = activity_link(activity)
    emails = []
    for address, language, is_admin, codes in recipients.values():
        with translation.override(language):
            context = {
                "partner": partner.name,
                "actor": _actor_text(activity) or "",
                "when": activity.created_at,
                # Only the Admins learn where emergencies go now: a replaced address may be the one pushed out.
                "changes": contact_changes(old, new) if is_admin else [],
                "is_admin": is_admin,
                "address": address,
                "removed_from": [str(CATEGORIES_BY_CODE[code].label) for code in codes],
                "link": link,
            }
        subject, body = email_render("contacts/email/routing_changed", context, language)
        emails.append(email_build(to=address, subject=subject, body=body, language=language))
    return emails_queue(emails)

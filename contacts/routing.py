"""Who gets what: the one routing function from a notification's kind to the people it must reach.

As completeness is one function of the contact information, routing is one function too: the notifications
app, the operators' preview and the reach sheet all ask it, and nothing else chooses recipients.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from accounts.identity import canonical_email
from accounts.models import MailingList, User
from contacts.categories import ContactCategory
from contacts.models import Contact, ContactInformation
from partners.environments import Environment
from partners.models import Membership


class NotificationKind(models.TextChoices):
    """What a notification is about, which decides who receives it."""

    ALERT = "alert", _("Alert")
    EMERGENCY = "emergency", _("Emergency")
    ANNOUNCEMENT = "announcement", _("Announcement")
    MERCHANT_ISSUE = "merchant_issue", _("Merchant issue")
    PRODUCT_UPDATE = "product_update", _("Product update")

    @property
    def urgent(self):
        """Emergencies and alerts go before anything else in the queue, and carry an acknowledgement link."""
        return self in (NotificationKind.ALERT, NotificationKind.EMERGENCY)


class RoutingError(Exception):
    """A notification that cannot be sent as asked; the message says why, for people."""


# Why an address is written to, for people: a contact category, a mailing list, or one of these.
SOURCE_LABELS = {
    **dict(ContactCategory.choices),
    **dict(MailingList.choices),
    "alert": _("Alert contact"),
    "admin": _("Admin (escalation)"),
    "operations": _("Our operators"),
}


def source_label(source):
    """Why an address receives a notification (a Recipient's or a delivery's source), for people."""
    return SOURCE_LABELS.get(source, source)


@dataclass(frozen=True)
class Recipient:
    """One address a notification goes to, in the language it is written in, and why it goes there."""

    email: str
    language: str
    source: str  # a ContactCategory code, "alert", "admin" or a MailingList code
    user_id: int | None = None

    @property
    def label(self):
        """Why this address is written to, for people."""
        return source_label(self.source)


def _members(users, source):
    return [Recipient(u.email, u.language, source, u.pk) for u in users]


def _contacts(partners, category):
    """{partner id: recipients} for the contacts of one category (one query)."""
    found = {}
    languages = {p.pk: p.language for p in partners}
    contacts = Contact.objects.filter(contact_information__partner__in=partners, category=category)
    for partner_id, email, language in contacts.order_by("id").values_list(
        "contact_information__partner_id", "email", "language"
    ):
        found.setdefault(partner_id, []).append(Recipient(email, language or languages[partner_id], category))
    return found


def _users(rows, source):
    """{partner id: recipients} from (partner id, user) pairs."""
    found = {}
    for partner_id, user in rows:
        found.setdefault(partner_id, []).append(Recipient(user.email, user.language, source, user.pk))
    return found


def _alert_contacts(partners):
    """{partner id: recipients}: the alert contacts who are still active members of their partner (one query)."""
    through = ContactInformation.alert_contacts.through.objects.filter(
        contactinformation__partner__in=partners,
        user__is_active=True,
        user__memberships__partner=F("contactinformation__partner"),
    )
    rows = through.select_related("user").order_by("user_id")
    return _users(
        ((row.contactinformation.partner_id, row.user) for row in rows.select_related("contactinformation")), "alert"
    )


def _subscribers(partners, mailing_list):
    """{partner id: recipients}: members of each partner on a mailing list (one query)."""
    memberships = Membership.objects.filter(
        partner__in=partners, user__is_active=True, user__subscriptions__mailing_list=mailing_list
    )
    rows = memberships.select_related("user").order_by("user_id")
    return _users(((m.partner_id, m.user) for m in rows), mailing_list)


def _unique(recipients):
    """Each address once (the first reason wins), compared as the portal compares addresses."""
    seen, unique = set(), []
    for recipient in recipients:
        key = canonical_email(recipient.email)
        if key not in seen:
            seen.add(key)
            unique.append(recipient)
    return unique


def recipients_for_category(partner, category):
    """The addresses of one contact category of a partner ("alert": the alert contacts), each once (one query)."""
    found = _alert_contacts([partner]) if category == "alert" else _contacts([partner], category)
    return _unique(found.get(partner.pk, []))


def recipients_by_partner(partners, kind, environment=Environment.PRODUCTION):
    """{partner id: the people a notification of `kind` about that partner reaches}, each address once, in a
    constant number of queries however many partners and contacts. The operator-only and shared contacts are
    never among them.

    Raises RoutingError for an alert outside Production (alert contacts exist only there).
    An empty list for a merchant issue means nobody at the partner can be told: the operators are, instead.
    """
    kind = NotificationKind(kind)
    partners = list(partners)
    if kind == NotificationKind.ALERT:
        if not Environment(environment).has_alert_contacts:
            raise RoutingError(_("Alerts are sent only about Production: alert contacts exist only there."))
        parts = [_alert_contacts(partners)]
    elif kind == NotificationKind.EMERGENCY:
        parts = [_contacts(partners, ContactCategory.TECHNICAL_EMERGENCY)]
    elif kind == NotificationKind.ANNOUNCEMENT:
        parts = [
            _contacts(partners, ContactCategory.TECHNICAL_NON_EMERGENCY),
            _subscribers(partners, MailingList.TECHNICAL_ANNOUNCEMENTS),
        ]
    elif kind == NotificationKind.MERCHANT_ISSUE:
        needing = [p for p in partners if p.integration_kind.needs_merchant_contact]
        parts = [_contacts(needing, ContactCategory.MERCHANT_ISSUES)] if needing else []
    else:
        parts = [_subscribers(partners, MailingList.PRODUCT_UPDATES)]
    return {p.pk: _unique([r for part in parts for r in part.get(p.pk, [])]) for p in partners}


def recipients_for(partner, kind, environment=Environment.PRODUCTION):
    """The people a notification of `kind` about one partner reaches (see recipients_by_partner)."""
    return recipients_by_partner([partner], kind, environment)[partner.pk]


def escalation_recipients(partner):
    """Who an unacknowledged emergency goes to next: the emergency contacts again, and the partner's Admins."""
    admins = User.objects.filter(
        is_active=True, pk__in=Membership.objects.admins().filter(partner=partner).values("user")
    ).order_by("id")
    return _unique(recipients_for(partner, NotificationKind.EMERGENCY) + _members(admins, "admin"))


def reach_sheet(partner):
    """Everyone an operator may call about `partner` in an emergency, with phone numbers: the technical
    emergency and operator contacts. Read straight from the database, so it works when email or the worker is down.
    """
    categories = [ContactCategory.TECHNICAL_EMERGENCY, ContactCategory.OPERATOR]
    contacts = Contact.objects.filter(contact_information__partner=partner, category__in=categories)
    return sorted(contacts, key=lambda c: (categories.index(c.category), c.pk))

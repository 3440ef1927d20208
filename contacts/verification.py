"""Verification of contact addresses: a confirmation email with a single-use link to every new address.

A verification belongs to an address within a partner (its canonical form), not to a contact row: a save that
keeps an address keeps its verification, and an address removed then added again comes back as it was. The link
opens a page whose button confirms (mail scanners fetch links); only the token's SHA-256 is stored.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from accounts.identity import canonical_email
from accounts.outbox import email_build, email_cancel, email_render, emails_queue
from contacts.models import AddressVerification, Contact
from partners.models import hash_token
from partners.services import lock_partner

CONFIRM_WITHIN = timedelta(hours=72)  # how long a confirmation link works
SENDS_PER_WINDOW = 3  # confirmation emails to one address…
SEND_WINDOW = timedelta(hours=1)  # …in this time


class VerificationRefused(Exception):
    """No confirmation email now: the message says why, and when the next one is possible (`next_at`, if ever)."""

    def __init__(self, message, next_at=None):
        super().__init__(message)
        self.next_at = next_at


class VerificationLinkInvalid(Exception):
    """A confirmation link that no longer works: used already, replaced by a newer one, or expired."""


def confirmation_url(token):
    return f"{settings.PORTAL_BASE_URL}{reverse('verification:confirm', kwargs={'token': token})}"


def _contact_language(contact, partner):
    # As notifications pick it (contacts.routing): the contact's own language, else the partner's.
    return contact.language or partner.language


def _confirmation_email(verification, contact, partner, token):
    """The unsaved confirmation email of `verification`, to `contact`, in the contact's language."""
    language = _contact_language(contact, partner)
    context = {
        "partner": partner.name,
        "address": contact.email,
        "link": confirmation_url(token),
        "valid_hours": int(CONFIRM_WITHIN.total_seconds() // 3600),
    }
    subject, body = email_render("contacts/email/verify_address", context, language)
    verification.language = language
    return email_build(to=contact.email, subject=subject, body=body, language=language, one_time_link=True)


# What _arm and the email it is sent with change on a verification.
ARMED_FIELDS = [
    "token_hash",
    "token_expires_at",
    "sent_at",
    "window_started_at",
    "window_sends",
    "language",
    "last_email",
]


def _arm(verification, now):
    """Give `verification` a new link (the old one stops working) and count the send; returns the token."""
    token = secrets.token_urlsafe(32)
    verification.token_hash = hash_token(token)
    verification.token_expires_at = now + CONFIRM_WITHIN
    verification.sent_at = now
    if verification.window_started_at is None or verification.window_started_at + SEND_WINDOW <= now:
        verification.window_started_at, verification.window_sends = now, 0
    verification.window_sends += 1
    return token


def _addresses_in(described):
    """The canonical contact addresses of ContactInformation.as_dict() data (the rows of every contact category)."""
    return {
        canonical_email(str(row["email"]))
        for rows in described.values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict) and row.get("email")
    }


def _may_send(verification, now):
    """Whether the hourly limit of confirmation emails to this address allows another one now."""
    window_open = verification.window_started_at and verification.window_started_at + SEND_WINDOW > now
    return not (window_open and verification.window_sends >= SENDS_PER_WINDOW)


def verification_sync(*, info, before=None):
    """Give every contact address of `info` without a verification one, and queue its confirmation email.

    Called inside the transaction of a save (which holds the partner's lock). Addresses already known keep their
    verification, whatever its state; one added again by this save (absent from `before`, the as_dict() it
    replaced) that never confirmed and whose link no longer works is sent a new link. A constant number of
    queries, whatever the number of contacts.
    """
    partner = info.partner
    by_address = {}
    for contact in Contact.objects.filter(contact_information=info).order_by("id"):
        by_address.setdefault(canonical_email(contact.email), contact)
    known = {
        verification.address: verification
        for verification in AddressVerification.objects.filter(partner=partner, address__in=list(by_address))
    }
    previous = _addresses_in(before) if before is not None else set(by_address)
    now = timezone.now()
    created, rearmed, emails = [], [], []
    for address, contact in by_address.items():
        verification = known.get(address)
        if verification is None:
            verification = AddressVerification(partner=partner, address=address)
            created.append(verification)
        elif (
            address in previous
            or verification.verified_at is not None
            or (verification.token_expires_at is not None and verification.token_expires_at > now)
            or not _may_send(verification, now)
        ):
            continue
        else:
            rearmed.append(verification)
        token = _arm(verification, now)
        emails.append(_confirmation_email(verification, contact, partner, token))
    if not emails:
        return []
    for verification, email in zip([*created, *rearmed], emails_queue(emails), strict=True):
        verification.last_email = email
    for verification in rearmed:
        verification.save(update_fields=ARMED_FIELDS)
    return [*AddressVerification.objects.bulk_create(created), *rearmed]


@transaction.atomic
def verification_resend(*, verification):
    """Send a new confirmation link to an address waiting for confirmation (the old link stops working).

    Raises VerificationRefused when it is verified already, no longer a contact, or was sent to three times
    in the last hour (counted in the database, so the limit holds across servers).
    """
    verification = AddressVerification.objects.select_for_update().select_related("partner").get(pk=verification.pk)
    partner = verification.partner
    if verification.verified_at is not None:
        raise VerificationRefused(_("%(address)s is verified already.") % {"address": verification.address})
    contact = next(
        (
            contact
            for contact in Contact.objects.filter(contact_information__partner=partner).order_by("id")
            if canonical_email(contact.email) == verification.address
        ),
        None,
    )
    if contact is None:
        raise VerificationRefused(_("%(address)s is no longer a contact.") % {"address": verification.address})
    now = timezone.now()
    if not _may_send(verification, now):
        next_at = verification.window_started_at + SEND_WINDOW
        raise VerificationRefused(
            _(
                "A confirmation email was sent to %(address)s %(count)d times in the last hour. "
                "You can send the next one in %(wait)s."
            )
            % {"address": contact.email, "count": verification.window_sends, "wait": timeuntil(next_at, now)},
            next_at,
        )
    if verification.last_email_id:
        email_cancel(verification.last_email_id)  # its link stops working: never send it now
    token = _arm(verification, now)
    (email,) = emails_queue([_confirmation_email(verification, contact, partner, token)])
    verification.last_email = email
    verification.save(update_fields=ARMED_FIELDS)
    return verification


def verification_for_token(token):
    """The verification a confirmation link points to while it works (unused, not expired), or None."""
    verification = (
        AddressVerification.objects.select_related("partner")
        .filter(token_hash=hash_token(token), verified_at__isnull=True)
        .first()
    )
    if verification is None or verification.token_expires_at is None or verification.token_expires_at <= timezone.now():
        return None
    return verification


@transaction.atomic
def verification_confirm(*, verification):
    """Record that the owner of the address confirmed it, once: a used or expired link raises
    VerificationLinkInvalid. Then refresh what the partner's contact information lacks (launch requirements
    read the verified addresses)."""
    from contacts.status import contact_status_refresh

    partner = lock_partner(verification.partner_id)
    now = timezone.now()
    claimed = AddressVerification.objects.filter(
        pk=verification.pk,
        token_hash=verification.token_hash,
        verified_at__isnull=True,
        token_expires_at__gt=now,
    ).update(verified_at=now, token_hash=None, token_expires_at=None)
    if not claimed:
        raise VerificationLinkInvalid(verification.address)
    contact_status_refresh(partner=partner)
    verification.refresh_from_db()
    return verification


def verified_addresses(partner):
    """The partner's contact addresses confirmed by their owners, in canonical form (one query)."""
    return set(
        AddressVerification.objects.filter(partner=partner, verified_at__isnull=False).values_list("address", flat=True)
    )


def address_statuses(partner):
    """{canonical address: VerificationStatus value} for every address of the partner ever verified or asked to
    be (one query)."""
    return {
        address: state.status for address, state in AddressVerification.objects.filter(partner=partner).states().items()
    }

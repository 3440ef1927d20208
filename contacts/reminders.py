"""A member who cannot edit the contact information reminds those who can (the partner's Admins and Editors)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.navigation import safe_next
from accounts.outbox import email_build, email_render, emails_queue
from contacts.completeness import REQUIREMENTS
from contacts.decorators import contact_information_not_required
from partners.decorators import membership_required
from partners.models import Membership, person_display
from partners.services import lock_partner

# One member reminds at most once a day, and the Admins and Editors hear at most one reminder an hour.
MEMBER_INTERVAL = timedelta(hours=24)
PARTNER_INTERVAL = timedelta(hours=1)


class ReminderRefused(Exception):
    """No reminder now: the message says why, and when the next one is possible (`next_at`, if ever)."""

    def __init__(self, message, next_at=None):
        super().__init__(message)
        self.next_at = next_at


def _too_soon(membership, partner, now):
    """A ReminderRefused if this member, or anyone at this partner, reminded too recently; else None."""
    if membership.reminded_at and membership.reminded_at + MEMBER_INTERVAL > now:
        sent_at, next_at = membership.reminded_at, membership.reminded_at + MEMBER_INTERVAL
        message = _("You sent a reminder %(ago)s ago. You can send the next one in %(wait)s.")
    elif partner.reminded_at and partner.reminded_at + PARTNER_INTERVAL > now:
        sent_at, next_at = partner.reminded_at, partner.reminded_at + PARTNER_INTERVAL
        message = _("Someone at %(partner)s sent a reminder %(ago)s ago. You can send the next one in %(wait)s.")
    else:
        return None
    text = message % {"partner": partner.name, "ago": timesince(sent_at, now), "wait": timeuntil(next_at, now)}
    return ReminderRefused(text, next_at)


@transaction.atomic
def contact_reminder_send(*, membership, environment):
    """Email each Admin and Editor of the member's partner, in their language, asking them to complete the contact
    information; returns their memberships. Raises ReminderRefused when it is complete already, or too soon."""
    partner = lock_partner(membership.partner_id)  # two clicks at once: the second one sees the first's time
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    missing = [REQUIREMENTS[code] for code in partner.missing_contacts(environment) if code in REQUIREMENTS]
    if not missing:
        raise ReminderRefused(_("The contact information of %(partner)s is complete.") % {"partner": partner.name})
    now = timezone.now()
    refusal = _too_soon(membership, partner, now)
    if refusal:
        raise refusal
    recipients = list(partner.memberships.editors_and_admins().select_related("user").order_by("user__email"))
    asker = membership.user
    context = {
        "partner": partner.name,
        "asker": person_display(asker),
        "asker_name": asker.get_full_name(),
        "missing": missing,
        "link": f"{settings.PORTAL_BASE_URL}{reverse('contacts:edit')}",
    }
    emails = []
    for recipient in recipients:
        language = recipient.user.language
        subject, body = email_render("partners/email/reminder", context, language)
        emails.append(email_build(to=recipient.user.email, subject=subject, body=body, language=language))
    emails_queue(emails)
    membership.reminded_at = partner.reminded_at = now
    membership.save(update_fields=["reminded_at"])
    partner.save(update_fields=["reminded_at"])
    return recipients


@require_POST
@contact_information_not_required  # a Viewer facing the modal is who needs it
@membership_required
def remind(request):
    """The "Remind them" button: a member who cannot edit asks the Admins and Editors to complete it."""
    if request.membership.can_edit_contacts:
        raise PermissionDenied  # they can complete it themselves
    try:
        recipients = contact_reminder_send(membership=request.membership, environment=request.environment)
    except ReminderRefused as refusal:
        messages.info(request, str(refusal))
    else:
        names = get_text_list([recipient.user.get_full_name() for recipient in recipients], _("and"))
        messages.success(request, _("Reminder sent to %(people)s.") % {"people": names})
    return redirect(safe_next(request))

"""A member who cannot edit the contact information reminds those who can (the partner's Admins and Editors)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.navigation import safe_next
from contacts.decorators import contact_information_not_required
from contacts.services import ReminderRefused, contact_reminder_send
from partners.decorators import membership_required


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

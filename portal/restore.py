"""Settings › Activity: an Admin restores the contact information as it was before a recorded change.

The page shows what the restore would change and posts the version it showed, so the restore is a normal save:
a colleague's save in between is a conflict (shown again, with what they changed), never silently undone.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contacts.forms.fields import VersionField
from contacts.history import changes_since, contact_changes
from contacts.restore import RestoreRefused, contact_information_restore, is_restorable, version_before
from contacts.services import ContactInformationConflict, contact_information_for
from partners.decorators import membership_required
from partners.models import Activity, Role


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required(role=Role.ADMIN)
def restore(request, pk):
    """Ask, then restore the contact information as it was before the activity entry `pk` (an Admin's act)."""
    partner = request.membership.partner
    activity = get_object_or_404(Activity, pk=pk, partner=partner, action=Activity.Action.CONTACTS_UPDATED)
    if request.method != "POST" or not request.POST.get("confirmed"):
        return restore_page(request, activity)
    version = VersionField().parse(request.POST.get("version"))
    try:
        restored = contact_information_restore(activity=activity, actor=request.user, version=version)
    except ContactInformationConflict:
        # Show the page again on the current version, with what changed since the one confirmed.
        return restore_page(request, activity, conflict=changes_since(partner, version or 0), status=409)
    except RestoreRefused as refusal:
        return restore_page(request, activity, problems=refusal.problems, status=422)
    messages.success(request, _("The contact information is restored as it was before that change."))
    anchor = f"#activity-{restored.pk}" if restored else ""
    return redirect(f"{reverse('portal:activity')}{anchor}")


def restore_page(request, activity, *, conflict=None, problems=(), status=200):
    """The confirmation page: what restoring would change, and a button posting the version shown."""
    info = contact_information_for(request.membership.partner)
    snapshot = version_before(activity)
    restorable = is_restorable(snapshot)
    changes = contact_changes(info.as_dict(), snapshot) if restorable else []
    context = {
        "activity": activity,
        "version": info.version,
        "restorable": restorable,
        "changes": changes,
        "conflict": conflict,
        "problems": problems,
        "cancel_url": f"{reverse('portal:activity')}#activity-{activity.pk}",
    }
    return render(request, "portal/restore_confirm.html", context, status=status)

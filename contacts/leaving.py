"""A member leaving a partner of their own accord: a removal by themselves, under the same rules, logged as a leave.

It lives in contacts because leaving obeys the alert-contact rule of contacts.services.membership_remove.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from contacts.services import contact_information_for, membership_remove
from partners.models import Activity, Membership
from partners.services import MembershipError, lock_membership


def leave_refusal(membership):
    """Why the member may not leave now, worded for them; None when they may.

    The same rules as membership_remove's: a partner keeps an Admin, and its alert contacts while it has any.
    """
    partner = membership.partner
    if Membership.objects.filter(pk=membership.pk).last_admins().exists():
        message = _(
            "You cannot leave yet: your account is the only Admin of %(partner)s. Make someone else Admin first "
            "(“Make Admin and step down” on their row)."
        )
        return message % {"partner": partner.name}
    alerts = contact_information_for(partner).alert_contacts
    if alerts.filter(pk=membership.user_id).exists() and alerts.count() == 1:
        message = _(
            "You cannot leave yet: you are the only alert contact of %(partner)s. Choose another alert contact first."
        )
        return message % {"partner": partner.name}
    return None


@transaction.atomic
def membership_leave(*, membership):
    """The member leaves the partner; refused for its last Admin and its only alert contact, as a removal is."""
    membership = lock_membership(membership)
    user = membership.user
    refusal = leave_refusal(membership)  # under the lock: it holds until the membership is gone
    if refusal:
        raise MembershipError(refusal)
    membership_remove(membership=membership, actor=user, action=Activity.Action.MEMBER_LEFT)

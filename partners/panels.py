"""What the users panel shows, in Settings › Users and in the onboarding modal's Users tab."""

from django.conf import settings
from django.core.paginator import Paginator

from partners.forms import InvitationForm
from partners.models import Role

MEMBERS_PER_PAGE = 50


def users_panel_context(request, *, invite_form=None, page=None):
    """A page of members, the pending invitations and, for Admins, the invitation form."""
    membership = request.membership
    partner = membership.partner
    members = partner.memberships.select_related("user").order_by("user__name", "user__email", "pk")
    if invite_form is None and membership.can_manage_users:
        invite_form = InvitationForm(membership=membership)
    return {
        "members": Paginator(members, MEMBERS_PER_PAGE).get_page(page),
        # Each row says when its email is not delivered yet: the email comes in the same query.
        "invitations": partner.invitations.pending().select_related("invited_by", "message"),
        "invite_form": invite_form,
        "roles": Role.choices,
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }

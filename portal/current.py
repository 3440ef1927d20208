"""The partner a signed-in user is working in, loaded once per request."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from portal.models import Membership, Role

SESSION_KEY = "portal_partner_id"
_CACHE_ATTR = "_current_membership"


def get_current_membership(request):
    """The user's membership in the partner chosen for this session (one query), or None."""
    if not hasattr(request, _CACHE_ATTR):
        setattr(request, _CACHE_ATTR, _load_membership(request))
    return getattr(request, _CACHE_ATTR)


def _load_membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("partner").filter(user=user)
    partner_id = request.session.get(SESSION_KEY)
    membership = memberships.filter(partner_id=partner_id).first() if partner_id else None
    if membership is None:
        membership = memberships.order_by("partner__name", "partner_id").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.partner_id
    return membership


def set_current_partner(request, membership):
    """Work in another of the user's partners from now on."""
    request.session[SESSION_KEY] = membership.partner_id
    setattr(request, _CACHE_ATTR, membership)


def membership_required(view=None, *, role=Role.VIEWER):
    """Let the view run only for members of the current partner with at least `role`; sets request.membership."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            membership = get_current_membership(request)
            if membership is None:
                return render(request, "portal/no_partner.html", status=403)
            if not membership.has_role(role):
                raise PermissionDenied
            request.membership = membership
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator

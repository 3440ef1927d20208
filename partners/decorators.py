"""Views for members of the current partner."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from partners.models import Role


def membership_required(view=None, *, role=Role.VIEWER):
    """Let the view run only for members of the current partner (request.membership) with at least `role`."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.membership:
                return render(request, "partners/no_partner.html", status=403)
            if not request.membership.has_role(role):
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator

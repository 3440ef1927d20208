"""Sandbox and Production: the portal-wide environment switch, kept per session and remembered per user."""

from django.db import models
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "portal_environment"


class Environment(models.TextChoices):
    """Where the partner's integration runs."""

    SANDBOX = "sandbox", _("Sandbox")
    PRODUCTION = "production", _("Production")

    @property
    def has_alert_contacts(self):
        """Alert contacts exist only in Production: the one place that says so."""
        return self is Environment.PRODUCTION


def signed_in_user(request):
    """The signed-in user of a request (already loaded by the authentication middleware), or None."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def get_environment(request):
    """The environment the user is working in: this session's choice, else their last one, else Sandbox.

    A new sign-in so starts where the user left off; request.user is loaded anyway, so this costs no query.
    """
    value = request.session.get(SESSION_KEY)
    if value not in Environment.values:
        user = signed_in_user(request)
        value = user.environment if user is not None else None
    return Environment(value) if value in Environment.values else Environment.SANDBOX


def set_environment(request, environment):
    """Work in `environment` for the rest of the session, and remember it as the user's last choice."""
    environment = Environment(environment)
    request.session[SESSION_KEY] = environment.value
    request.environment = environment
    user = signed_in_user(request)
    if user is not None and user.environment != environment.value:
        user.environment = environment.value
        user.save(update_fields=["environment"])

"""Sandbox and Production: the portal-wide environment switch, kept per session."""

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


def get_environment(request):
    """The environment the user is working in; Sandbox until they switch."""
    value = request.session.get(SESSION_KEY)
    return Environment(value) if value in Environment.values else Environment.SANDBOX


def set_environment(request, environment):
    """Remember the environment for the rest of the session."""
    environment = Environment(environment)
    request.session[SESSION_KEY] = environment.value
    request.environment = environment

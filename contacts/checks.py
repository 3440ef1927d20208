"""System checks: the gate reads request.user and request.membership, so it must come after what sets them."""

from django.conf import settings
from django.core.checks import Error, register

GATE = "contacts.middleware.ContactInformationRequiredMiddleware"
NEEDED_BEFORE = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partners.middleware.CurrentPartnerMiddleware",
)


@register
def check_gate_order(app_configs, **kwargs):
    """contacts.E001: the gate is installed after authentication and the current-partner middleware."""
    middleware = list(settings.MIDDLEWARE)
    if GATE not in middleware:
        return []
    errors = []
    for name in NEEDED_BEFORE:
        if name not in middleware or middleware.index(name) > middleware.index(GATE):
            errors.append(
                Error(
                    f"In order to use {GATE}, {name} must be defined before it in MIDDLEWARE.",
                    id="contacts.E001",
                )
            )
    return errors

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The portal shell: users, partners, memberships, invitations, dashboard and settings."""

    name = "portal"
    verbose_name = _("Partner portal")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project and its web shell: settings, URLs, the admin site, dashboard, launch, users, activity, help."""

    name = "portal"
    verbose_name = _("Partner portal")

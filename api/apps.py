from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The JSON API for partners who automate: keys, their limits, and /api/v1/ (above contacts, below portal)."""

    name = "api"
    verbose_name = _("API")

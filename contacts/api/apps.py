from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The JSON API for partners who automate: keys, their limits, and /api/v1/. An app of its own (label `api`)
    inside the contacts layer, like contacts.notifications: it is the contact information's other door."""

    name = "contacts.api"
    label = "api"
    verbose_name = _("API")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What the contacts are for: notifications routed to them, delivered and acknowledged.

    Part of the contacts layer (it routes by contact category), with its own label and tables.
    """

    name = "contacts.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """Partners and their people: memberships and roles, invitations, activity, integration kinds, environments."""

    name = "partners"
    verbose_name = _("Partners")

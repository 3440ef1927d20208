from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    """The account's contact information: categories, forms, completeness and the onboarding gate."""

    name = "contacts"
    verbose_name = _("Contact information")

    def ready(self):
        from contacts import checks  # noqa: F401  (registers the gate's system check)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People who sign in: the user model, sign-in and its throttling. Knows nothing of partners."""

    name = "accounts"
    verbose_name = _("Accounts")

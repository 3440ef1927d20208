"""Writes about accounts that more than one form makes."""

from django.conf import settings
from django.db import transaction

from accounts.models import Subscription


def subscriptions_set(*, user, mailing_lists):
    """Make `user` subscribed to exactly `mailing_lists` (MailingList values), keeping existing subscriptions."""
    wanted = set(mailing_lists)
    with transaction.atomic():
        user.subscriptions.exclude(mailing_list__in=wanted).delete()
        have = set(user.subscriptions.values_list("mailing_list", flat=True))
        Subscription.objects.bulk_create(Subscription(user=user, mailing_list=name) for name in wanted - have)


def user_language_set(*, user, language):
    """A signed-in user's choice in the language switch: also the language of the emails they receive."""
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])

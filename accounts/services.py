"""Writes about accounts that more than one form makes."""

from django.db import transaction

from accounts.models import Subscription


def subscriptions_set(*, user, mailing_lists):
    """Make `user` subscribed to exactly `mailing_lists` (MailingList values), keeping existing subscriptions."""
    wanted = set(mailing_lists)
    with transaction.atomic():
        user.subscriptions.exclude(mailing_list__in=wanted).delete()
        have = set(user.subscriptions.values_list("mailing_list", flat=True))
        Subscription.objects.bulk_create(Subscription(user=user, mailing_list=name) for name in wanted - have)

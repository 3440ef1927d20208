"""Writes about accounts that more than one form makes."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EmailChange, Subscription, User, normalize_email, token_digest
from accounts.outbox import email_queue, email_render


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


# --- Changing one's own address: the new one is confirmed by a link sent to it before it takes effect ---------

EMAIL_CHANGE_VALID_FOR = timedelta(hours=24)
EMAIL_CHANGES_PER_HOUR = 3


class EmailChangeError(Exception):
    """A change of address that the rules refuse; the message says why, for people."""


def _refuse_taken(user, email):
    """Raise EmailChangeError if `email` is another account's address, or looks like one."""
    others = User.objects.exclude(pk=user.pk)
    if others.with_email(email).exists():
        raise EmailChangeError(_("%(email)s is already used by another account.") % {"email": email})
    if others.looking_like(email).exists():
        raise EmailChangeError(
            _("%(email)s looks like the address of another account, but it is not the same address. Check each letter.")
            % {"email": email}
        )


def _email_change_link(token, request):
    path = reverse("email_change_confirm", kwargs={"token": token})
    return request.build_absolute_uri(path) if request is not None else f"{settings.PORTAL_BASE_URL}{path}"


@transaction.atomic
def email_change_request(*, user, new_email, request=None):
    """Ask to sign in with `new_email`: a single-use link goes there, a notice to the current address.

    The current address stays until the link is used; a newer request makes older links stop working. The
    caller has checked the current password.
    """
    new_email = normalize_email(new_email)
    if user.has_email(new_email):
        raise EmailChangeError(_("%(email)s is already your address.") % {"email": new_email})
    _refuse_taken(user, new_email)
    user = User.objects.select_for_update().get(pk=user.pk)  # requests of one user take turns: the rate holds
    now = timezone.now()
    if user.email_changes.filter(created_at__gte=now - timedelta(hours=1)).count() >= EMAIL_CHANGES_PER_HOUR:
        raise EmailChangeError(
            _("You asked to change your address %(limit)d times in the last hour. Try again later.")
            % {"limit": EMAIL_CHANGES_PER_HOUR}
        )
    user.email_changes.pending().update(expires_at=now)
    token = secrets.token_urlsafe(32)
    change = EmailChange.objects.create(
        user=user, new_email=new_email, token_hash=token_digest(token), expires_at=now + EMAIL_CHANGE_VALID_FOR
    )
    hours = int(EMAIL_CHANGE_VALID_FOR.total_seconds() // 3600)
    context = {"user": user, "old_email": user.email, "new_email": new_email, "hours": hours}
    subject, body = email_render(
        "accounts/email/email_change_confirm", {**context, "link": _email_change_link(token, request)}, user.language
    )
    email_queue(to=new_email, subject=subject, body=body, language=user.language, one_time_link=True)
    subject, body = email_render("accounts/email/email_change_notice", context, user.language)
    email_queue(to=user.email, subject=subject, body=body, language=user.language)
    return change


def email_change_for_token(token):
    """The email change a link points to, whatever its state, or None."""
    return EmailChange.objects.select_related("user").filter(token_hash=token_digest(token)).first()


@transaction.atomic
def email_change_confirm(*, change):
    """Use a pending change's link: the user signs in with the new address from now on (their session stays)."""
    user = User.objects.select_for_update().get(pk=change.user_id)
    if not EmailChange.objects.pending().filter(pk=change.pk).update(used_at=timezone.now()):
        raise EmailChangeError(_("This link has already been used, was replaced by a newer one, or has expired."))
    _refuse_taken(user, change.new_email)  # someone may have taken it since the request
    user.email_changes.pending().update(expires_at=timezone.now())
    user.email = change.new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_canonical", "email_skeleton"])
    except IntegrityError:  # taken by an account created a moment ago
        message = _("%(email)s is already used by another account.") % {"email": change.new_email}
        raise EmailChangeError(message) from None
    return user

"""API keys: created (the key shown once), revoked, and admitted per request within their rate."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import token_digest
from contacts.api.models import APIKey, new_key_text
from partners.models import Activity
from partners.services import activity_record

WINDOW = timedelta(minutes=1)


class APIKeyError(Exception):
    """A key the rules refuse to create; the message says why, for people."""


@transaction.atomic
def api_key_create(*, partner, name, scope, actor=None, label=None, rate_limit=None):
    """Create a key for `partner` and return (key, text): `text` is the key itself, which nobody sees again.

    `actor` is the member who asked (None for `manage.py createapikey`, recorded under `label`)."""
    name = name.strip()
    text = new_key_text()
    key = APIKey(partner=partner, name=name, scope=scope, created_by=actor)
    if rate_limit is not None:
        key.rate_limit = rate_limit
    key.set_key(text)
    try:
        with transaction.atomic():
            key.save()
    except IntegrityError as error:  # the constraint: a live key of the partner has this name already
        raise APIKeyError(_("A key named “%(name)s” exists already: choose another name.") % {"name": name}) from error
    activity_record(
        partner=partner,
        actor=actor,
        action=Activity.Action.API_KEY_CREATED,
        subject=name,
        after={"name": name, "scope": scope, "prefix": key.prefix},
        label=label,
    )
    return key, text


@transaction.atomic
def api_key_revoke(*, key, actor=None, label=None):
    """Revoke `key` now: its next request is refused. Revoking a revoked key changes nothing."""
    revoked = APIKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    if revoked:
        activity_record(
            partner=key.partner,
            actor=actor,
            action=Activity.Action.API_KEY_REVOKED,
            subject=key.name,
            before={"name": key.name, "scope": key.scope, "prefix": key.prefix},
            label=label,
        )
    return key


def api_key_find(text):
    """The active key whose text is `text`, with its partner (one query), or None."""
    if not text:
        return None
    return APIKey.objects.active().select_related("partner").filter(digest=token_digest(text)).first()


@dataclass(frozen=True)
class Admission:
    """Whether a request may run now, and if not, in how many seconds it may (`Retry-After`)."""

    allowed: bool
    retry_after: int = 0


def window_start(now):
    """The start of the one-minute window `now` falls in."""
    return now.replace(second=0, microsecond=0)


def api_key_admit(key, *, now=None):
    """Count one request of `key` in the current minute, unless it has used its rate; note when it was last used.

    One UPDATE, whose WHERE clause does the counting: servers that share the database share the count, and two
    requests at once cannot both take the last place. A new minute starts the count again (a second UPDATE).
    """
    now = now or timezone.now()
    start = window_start(now)
    keys = APIKey.objects.filter(pk=key.pk)
    for _attempt in range(2):
        # Counted in the key's window, or in a later one a server with a clock a little ahead has opened already.
        if keys.filter(window_start__gte=start, window_count__lt=F("rate_limit")).update(
            window_count=F("window_count") + 1, last_used_at=now
        ):
            return Admission(True)
        # A key's first request of this minute opens the window; one over its rate finds the window open and full.
        # Windows only move forward: a server whose clock is behind never reopens (and so resets) a window.
        # Two first requests at once: the one that finds the window opened meanwhile counts itself in it.
        if (
            keys.filter(rate_limit__gt=0)
            .filter(Q(window_start__lt=start) | Q(window_start__isnull=True))
            .update(window_start=start, window_count=1, last_used_at=now)
        ):
            return Admission(True)
    return Admission(False, retry_after=max(1, int((start + WINDOW - now).total_seconds() + 0.999)))

"""API keys: a partner's scripts sign in with one, within its scope and rate; only a digest of it is kept."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import token_digest
from partners.models import Partner

KEY_PREFIX = "ppk_"  # "partner portal key": secret scanners and people can tell what leaked
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # the part kept in clear, to tell keys apart in lists and logs
DEFAULT_RATE_LIMIT = 60  # requests a minute


def new_key_text():
    """A new key as given to its owner once: the prefix, then 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


class APIKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class APIKey(models.Model):
    """A key a partner's scripts authenticate with (`Authorization: Bearer …`): it sees that partner alone."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("key starts with"), max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # Requests a minute. Counted in the database, within fixed one-minute windows, so every app server shares it.
    rate_limit = models.PositiveIntegerField(_("requests a minute"), default=DEFAULT_RATE_LIMIT)
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = APIKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["partner", "-created_at", "-id"]
        constraints = [
            # The activity log names a change by its key's name: two live keys of a partner never share one.
            models.UniqueConstraint(
                fields=["partner", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_key_name_unique_while_active",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def can_write(self):
        return self.scope == self.Scope.WRITE

    @property
    def activity_label(self):
        """How the activity log names a change made with this key (partners.models.actor_display words it)."""
        return f"api_key:{self.name}"

    def set_key(self, text):
        """Keep what identifies `text` (its digest, its first characters), never the key itself."""
        self.prefix, self.digest = text[:PREFIX_LENGTH], token_digest(text)

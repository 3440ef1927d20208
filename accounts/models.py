"""People who sign in with an email address."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import canonical_email, email_skeleton
from accounts.validators import validate_email_address, validate_no_format_characters


def normalize_email(email):
    """Trim an email and lower-case its domain, leaving the local part as typed."""
    email = (email or "").strip()
    local, sep, domain = email.rpartition("@")
    return f"{local}{sep}{domain.lower()}" if sep else email


class UserQuerySet(models.QuerySet):
    """Queries about many users."""

    def with_email(self, email):
        """The user whose address is `email` (an exact match on its canonical form), as a queryset."""
        return self.filter(email_canonical=canonical_email(email))

    def looking_like(self, email):
        """Users whose address a reader could mistake for `email`, the same account included."""
        return self.filter(email_skeleton=email_skeleton(email))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    """Creates users who sign in with their email address."""

    use_in_migrations = True

    def get_by_natural_key(self, email):
        """Sign-in compares emails case-insensitively."""
        return self.with_email(email).get()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        """Create a partner user."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """Create an operator with every permission."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address. Django staff are the portal's operators."""

    username = None
    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=150, blank=True, validators=[validate_no_format_characters])
    email = models.EmailField(_("email address"), max_length=254, unique=True, validators=[validate_email_address])
    # Derived from `email` on every save (accounts.identity); lookups are exact matches on these.
    email_canonical = models.CharField(max_length=320, unique=True, editable=False)
    email_skeleton = models.CharField(max_length=320, unique=True, editable=False)
    # The language of every email the portal sends them; their last choice in the language switch or profile.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The environment (a value of partners.environments.Environment) they last chose: the next sign-in opens it.
    environment = models.CharField(_("environment"), max_length=20, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.name or self.email

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        user = super().from_db(db, field_names, values, **kwargs)
        user._loaded_email = user.__dict__.get("email")  # to tell a changed address from an unchanged one
        return user

    def clean(self):
        super().clean()
        self.set_email_identity()

    def save(self, *args, **kwargs):
        self.set_email_identity()
        super().save(*args, **kwargs)
        self._loaded_email = self.email

    def set_email_identity(self):
        """Derive the canonical form and the skeleton from a new or changed address: they must not drift from it.

        An unchanged address keeps what is stored, so an account whose skeleton a migration had to mark as
        distinct (a look-alike made before look-alikes were refused) still saves.
        """
        if self.email_canonical and self.email == getattr(self, "_loaded_email", None):
            return
        self.email_canonical = canonical_email(self.email)
        self.email_skeleton = email_skeleton(self.email)

    def get_full_name(self):
        """The name people see, or the email when none was given."""
        return self.name or self.email

    def get_short_name(self):
        """Same as the full name: we keep a single name field."""
        return self.get_full_name()

    def has_email(self, email):
        """Whether `email` is this user's address: the same canonical form."""
        return canonical_email(self.email) == canonical_email(email)


def token_digest(token):
    """The stored form of a one-time token: only its SHA-256 digest is kept (every link's, partners' too)."""
    return hashlib.sha256(token.encode()).hexdigest()


class EmailChangeQuerySet(models.QuerySet):
    """Queries about many email changes."""

    def pending(self):
        """Changes whose link still works: not used, not expired (a newer request expires the older ones)."""
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class EmailChange(models.Model):
    """A user's request to sign in with another address: it takes effect once the link sent there is used."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="email_changes")
    new_email = models.EmailField(_("new email address"), max_length=254, validators=[validate_email_address])
    # The link's token is never stored: only its SHA-256 digest (token_digest).
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = EmailChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("email change")
        verbose_name_plural = _("email changes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} → {self.new_email}"

    @property
    def is_pending(self):
        """Whether the link still works: the rule of `EmailChangeQuerySet.pending`, for one loaded row."""
        return self.used_at is None and self.expires_at > timezone.now()


class MailingList(models.TextChoices):
    """The portal's mailing lists, which members subscribe to in their profile or when invited."""

    TECHNICAL_ANNOUNCEMENTS = "technical_announcements", _("Technical announcements")
    PRODUCT_UPDATES = "product_updates", _("Product updates")


class Subscription(models.Model):
    """A user on one of the portal's mailing lists."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="subscriptions")
    mailing_list = models.CharField(_("mailing list"), max_length=40, choices=MailingList.choices)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["user", "mailing_list"], name="subscription_user_list_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_mailing_list_display()}"


class OutgoingEmail(models.Model):
    """One email to one address, and its delivery: the state machine that accounts.outbox drives.

    queued → sending → sent, or back to queued with a later next attempt, until the last attempt fails; a queued
    email whose reason went away (a revoked invitation) is cancelled.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        """Task priority: emergencies and alerts never wait behind a broadcast."""

        URGENT = 50, _("Urgent")
        NORMAL = 0, _("Normal")
        BULK = -50, _("Bulk")

    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    # Where a reply goes (the operators, for notifications); blank: the sender.
    reply_to = models.EmailField(_("reply to"), max_length=254, blank=True)
    # The task that will make the next attempt: while it waits in the queue, the sweeper leaves the email alone.
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The body carries a link that works without signing in (an invitation, a password reset, an acknowledgement):
    # it is hidden from operators and erased once sent, failed or cancelled, so the database never keeps a usable
    # link longer than the outbox needs it.
    one_time_link = models.BooleanField(_("carries a one-time link"), default=False)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.to} · {self.subject}"

    @property
    def delivered(self):
        """Whether the mail server accepted it."""
        return self.status == self.Status.SENT

    @property
    def retrying(self):
        """Queued again after a failed attempt: not delivered yet, another attempt is due."""
        return self.status == self.Status.QUEUED and self.attempts > 0

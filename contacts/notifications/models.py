"""Notifications raised about a partner (alerts, emergencies, announcements, merchant issues) and their deliveries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OutgoingEmail
from contacts.categories import CATEGORIES_BY_CODE
from contacts.routing import NotificationKind, source_label
from partners.environments import Environment
from partners.integrations import integration_choices
from partners.models import Partner, named_actor_display


class Broadcast(models.Model):
    """One announcement to every partner of an integration kind (or all of them), fanned out in batches."""

    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    integration = models.CharField(_("integration kind"), max_length=40, choices=integration_choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    partners_done = models.PositiveIntegerField(_("partners reached"), default=0)
    # The fan-out's cursor: every partner up to this id has its notification. A task for another cursor is stale.
    last_partner_id = models.BigIntegerField(default=0, editable=False)
    progressed_at = models.DateTimeField(_("last batch at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


# A test message to the addresses of one contact category: a kind of its own, so that nothing that acts on real
# alerts and emergencies (escalation, the operators' open emergencies) ever takes it for one. It is not a
# contacts.routing.NotificationKind: its recipients are a category's addresses, not a kind's routing.
TEST = "test"
KIND_CHOICES = [*NotificationKind.choices, (TEST, _("Test message"))]


class NotificationQuerySet(models.QuerySet):
    def unacknowledged(self):
        """Alerts and emergencies nobody has acknowledged yet."""
        return self.filter(kind__in=[NotificationKind.ALERT, NotificationKind.EMERGENCY], acknowledged_at__isnull=True)


class Notification(models.Model):
    """Something a partner's contacts must hear about: what, about whom, raised by whom and when."""

    class Event(models.TextChoices):
        """What happened; a message is written by whoever raised it, the others by the portal in each language."""

        MESSAGE = "message", _("Message")
        INTEGRATION_DISABLED = "integration_disabled", _("Integration disabled")

    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES, db_index=True)
    event = models.CharField(_("event"), max_length=30, choices=Event.choices, default=Event.MESSAGE)
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="notifications"
    )
    environment = models.CharField(
        _("environment"), max_length=20, choices=Environment.choices, default=Environment.PRODUCTION
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who raised it, as people read it: "operator:<email>", or the name of the system that called the service.
    raised_by_label = models.CharField(_("raised by"), max_length=254, blank=True)
    broadcast = models.ForeignKey(
        Broadcast,
        verbose_name=_("broadcast"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # A double submit (or a retried call) with the same key creates one notification about the partner. NULL, not
    # "", when there is none: notifications without a key never collide in the unique constraint.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=254, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Nobody at the partner could be told (no contact of that kind): the operators were, instead.
    nobody_reached = models.BooleanField(_("nobody at the partner reached"), default=False)
    # A test message's contact category ("alert" or a ContactCategory code); blank for every other kind.
    category = models.CharField(_("category tested"), max_length=40, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"])]
        constraints = [
            # A broadcast tells each partner once, however often a batch is run.
            models.UniqueConstraint(fields=["broadcast", "partner"], name="notification_broadcast_partner_unique"),
            models.UniqueConstraint(fields=["partner", "idempotency_key"], name="notification_partner_key_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.partner} · {self.title}"

    @property
    def title(self):
        """The subject people see, in their language for the portal's own events."""
        if self.is_test:
            return _("Test message: %(category)s") % {"category": self.category_label}
        if self.event == self.Event.INTEGRATION_DISABLED:
            return _("Integration disabled")
        return self.subject

    @property
    def raised_by_display(self):
        """Who raised it, for people: an operator named as such (as in Settings › Activity), or a system's name."""
        return named_actor_display(self.raised_by_label) or self.raised_by_label or _("The Partner Portal")

    @property
    def is_test(self):
        """A test message sent from Settings › Contact information, not a real notification."""
        return self.kind == TEST

    @property
    def category_label(self):
        """The contact category a test message went to, for people."""
        category = CATEGORIES_BY_CODE.get(self.category)
        return category.label if category else source_label(self.category)

    @property
    def needs_acknowledgement(self):
        """Alerts, emergencies and test messages ask to be acknowledged."""
        return self.is_test or NotificationKind(self.kind).urgent


class Delivery(models.Model):
    """One recipient of a notification: the address, the language, the email and its acknowledgement."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    email = models.OneToOneField(
        OutgoingEmail, verbose_name=_("email"), on_delete=models.PROTECT, related_name="delivery"
    )
    address = models.EmailField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # Why this address: a contact category, "alert", "admin", a mailing list, or "operations".
    source = models.CharField(_("reason"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # 1 for the first round, 2 for the escalation of an unacknowledged emergency.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # Only the SHA-256 of the acknowledgement link's token is kept (alerts and emergencies).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    token_expires_at = models.DateTimeField(_("link valid until"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # The address itself, or the member of this partner who was signed in when pressing the button: a link proves
    # only that someone could read that mailbox, a session says who they were.
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification", "round", "id"]

    def __str__(self):
        return f"{self.address} · {self.notification}"

    @property
    def status(self):
        """acknowledged, or the email's own status (queued, sending, sent, failed)."""
        return "acknowledged" if self.acknowledged_at else self.email.status

    @property
    def acknowledged_through_link_only(self):
        """Acknowledged by whoever opened the link sent to this address, nobody signed in."""
        return self.acknowledged_by in ("", self.address)

    @property
    def source_label(self):
        """Why this address was written to, for people."""
        return source_label(self.source)

    @property
    def status_label(self):
        """The status, for people."""
        if self.acknowledged_at:
            return _("Acknowledged")
        if self.email.retrying:
            return _("Not delivered yet (retrying)")
        return self.email.get_status_display()

"""A partner's contact information: contacts by category, alert contacts and support hours."""

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

from accounts.models import OutgoingEmail
from accounts.validators import validate_email_address, validate_no_format_characters
from contacts import history
from contacts.categories import ContactCategory
from contacts.completeness import ContactCounts
from contacts.validation import MINUTES_PER_DAY, week_intervals
from partners.models import Membership, Partner


class Weekday(models.IntegerChoices):
    """Days of the week, Monday first, as stored in a support window's day mask."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def days_to_mask(days):
    """Pack weekday numbers into a bit mask."""
    mask = 0
    for day in days:
        mask |= 1 << int(day)
    return mask


def mask_to_days(mask):
    """Unpack a bit mask into weekday numbers, Monday first."""
    return [day for day in Weekday.values if mask & (1 << day)]


class ContactInformation(models.Model):
    """The account-wide contact information of one partner."""

    partner = models.OneToOneField(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="contact_information"
    )
    alert_contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("alert contacts"), blank=True, related_name="+"
    )
    support_24_7 = models.BooleanField(_("24/7"), default=False)
    # Raised on every save; a form posted with an older version is a conflicting edit.
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The last time someone confirmed the contact information is still correct, without changing it.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contact information")
        verbose_name_plural = _("contact information")

    def __str__(self):
        return str(self.partner)

    @cached_property
    def address_states(self):
        """{canonical address: AddressState} of the partner's address verifications: one query, read once per
        instance, so a page (its cache keys and the rows it draws) asks once whatever the number of contacts."""
        return AddressVerification.objects.filter(partner_id=self.partner_id).states()

    def counts(self):
        """Count what each category holds (three queries), for completeness."""
        per_category = dict(self.contacts.values_list("category").annotate(n=Count("id")).order_by())
        return ContactCounts.from_mapping(
            per_category,
            alert=self.alert_contacts.count(),
            support_windows=self.support_windows.count(),
            support_24_7=self.support_24_7,
        )

    def as_dict(self):
        """Every category as data, keyed by category code, for the activity log and conflict messages.

        Data, not sentences: contacts as their fields, alert contacts as emails, support hours as the 24/7 flag
        and the windows. contacts.history words them in the reader's language when the log is read.
        """
        described = {code: [] for code in ContactCategory.values}
        for contact in self.contacts.all():
            described[contact.category].append(history.contact_data(contact))
        described["alert"] = sorted(user.email for user in self.alert_contacts.all())
        described["support_hours"] = history.support_hours_data(
            support_24_7=self.support_24_7, windows=self.support_windows.all()
        )
        return described


class Contact(models.Model):
    """A person or alias to reach, in one category."""

    contact_information = models.ForeignKey(
        ContactInformation, verbose_name=_("contact information"), on_delete=models.CASCADE, related_name="contacts"
    )
    category = models.CharField(_("category"), max_length=40, choices=ContactCategory.choices)
    email = models.EmailField(_("email"), max_length=254, validators=[validate_email_address])
    name = models.CharField(_("name"), max_length=200, blank=True, validators=[validate_no_format_characters])
    phone = PhoneNumberField(_("phone"), blank=True)
    url = models.URLField(_("support page"), max_length=500, blank=True)
    # The language of the emails this contact receives; blank: the partner's.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["contact_information", "category", "id"]
        indexes = [models.Index(fields=["contact_information", "category"])]

    def __str__(self):
        return self.describe()

    def describe(self):
        """One line with everything known about the contact, in the active language."""
        return history.contact_text(history.contact_data(self))


class SupportWindow(models.Model):
    """When user support is offered: some days, from a start to an end time, in one time zone."""

    contact_information = models.ForeignKey(
        ContactInformation,
        verbose_name=_("contact information"),
        on_delete=models.CASCADE,
        related_name="support_windows",
    )
    days = models.PositiveSmallIntegerField(_("days"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    overnight = models.BooleanField(_("ends the next day"), default=False)
    time_zone = TimeZoneField(_("time zone"), use_pytz=False)

    class Meta:
        verbose_name = _("support window")
        verbose_name_plural = _("support windows")
        ordering = ["contact_information", "id"]

    def __str__(self):
        return self.describe()

    @property
    def day_list(self):
        """The weekdays of this window, Monday first."""
        return mask_to_days(self.days)

    def is_open_at(self, moment):
        """Whether support is offered at `moment` (an aware datetime), read in the window's own time zone."""
        local = moment.astimezone(self.time_zone)
        minute = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
        return any(lo <= minute < hi for lo, hi in week_intervals(self.day_list, self.start, self.end, self.overnight))

    def describe(self):
        """A one-line summary in the active language, e.g. 'Monday–Friday 09:00–17:00 Europe/Madrid'."""
        return history.window_text(history.window_data(self))


class ContactDraft(models.Model):
    """A member's unsaved changes to the contact information, kept server-side until saved or discarded.

    One per membership, so it goes when the member leaves; it records the version it was based on, so that
    restoring it after a colleague's save leads to the conflict page rather than silently overwriting.
    """

    membership = models.OneToOneField(
        Membership, verbose_name=_("membership"), on_delete=models.CASCADE, related_name="contact_draft"
    )
    data = models.JSONField(_("data"), default=dict)  # the form as posted: field name → list of values
    version = models.PositiveIntegerField(_("version"))
    environment = models.CharField(_("environment"), max_length=20)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("contact information draft")
        verbose_name_plural = _("contact information drafts")
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return str(self.membership)


class VerificationStatus(models.TextChoices):
    """Where the confirmation of a contact address stands, as pages show it."""

    PENDING = "pending", _("Waiting for confirmation")
    VERIFIED = "verified", _("Verified")
    NOT_DELIVERED = "not_delivered", _("Not delivered")


def verification_status(verified_at, email_status):
    """The status of a verification from its confirmation time and the state of its last email."""
    if verified_at is not None:
        return VerificationStatus.VERIFIED
    if email_status == OutgoingEmail.Status.FAILED:
        return VerificationStatus.NOT_DELIVERED
    return VerificationStatus.PENDING


@dataclass(frozen=True)
class AddressState:
    """What a page shows of one address's verification: its status, and the verification to resend."""

    pk: int
    status: str

    @property
    def label(self):
        return VerificationStatus(self.status).label

    @property
    def can_resend(self):
        return self.status != VerificationStatus.VERIFIED


class AddressVerificationQuerySet(models.QuerySet):
    """Queries about many address verifications."""

    def states(self):
        """{canonical address: AddressState}, in one query (the last emails' states read with a join)."""
        rows = self.values_list("address", "pk", "verified_at", "last_email__status")
        return {address: AddressState(pk, verification_status(at, sent)) for address, pk, at, sent in rows}


class AddressVerification(models.Model):
    """Whether a contact address of a partner was confirmed by its owner, through a single-use emailed link.

    It belongs to the address within the partner (its canonical form), not to a contact row: a save that keeps
    an address keeps its verification, and an address removed then added again comes back as it was.
    """

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="address_verifications"
    )
    address = models.CharField(_("address"), max_length=254)  # accounts.identity.canonical_email
    # SHA-256 of the link's token (partners.models.hash_token); cleared once the link is used.
    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True, unique=True, editable=False)
    token_expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    last_email = models.ForeignKey(
        OutgoingEmail,
        verbose_name=_("last confirmation email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # The resend limit, counted here so that it holds across servers: sends since the window opened.
    window_started_at = models.DateTimeField(_("sending window started at"), null=True, blank=True)
    window_sends = models.PositiveSmallIntegerField(_("sends in the window"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AddressVerificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("address verification")
        verbose_name_plural = _("address verifications")
        ordering = ["partner", "address"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "address"], name="contacts_verification_one_per_address")
        ]

    def __str__(self):
        return self.address

    @property
    def status(self):
        """Verified, waiting for confirmation, or not delivered (its last email failed for good)."""
        email = self.last_email
        return verification_status(self.verified_at, email.status if email else None)

    def get_status_display(self):
        return VerificationStatus(self.status).label

"""Partners (the accounts), their memberships and roles, invitations and activity log."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from accounts.identity import canonical_email, email_skeleton
from accounts.models import token_digest
from accounts.validators import validate_no_format_characters
from partners.environments import Environment
from partners.integrations import get_integration, integration_choices


def region_choices():
    """Every region phonenumbers knows, as ISO 3166 codes."""
    regions = sorted({r for codes in COUNTRY_CODE_TO_REGION_CODE.values() for r in codes if r != "001"})
    return [(code, code) for code in regions]


class Partner(models.Model):
    """A partner account: the business integrating with us, and the owner of one set of contacts."""

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        LAUNCHED = "launched", _("Launched")
        DISABLED = "disabled", _("Disabled")

    name = models.CharField(_("name"), max_length=200, validators=[validate_no_format_characters])
    integration = models.CharField(_("integration kind"), max_length=40, choices=integration_choices)
    phone_region = models.CharField(
        _("default phone region"),
        max_length=2,
        default="US",
        choices=region_choices,
        help_text=_("Phone numbers typed without a country code are read as numbers of this region."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ONBOARDING)
    # Emails to contacts who are not portal users are written in this language (members choose their own).
    language = models.CharField(
        _("language of emails to contacts"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Set while an operator has disabled the integration: why, since when and who (partners.services).
    disabled_reason = models.TextField(_("why the integration is disabled"), blank=True)
    disabled_at = models.DateTimeField(_("disabled since"), null=True, blank=True)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disabled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("launched by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the contact information still lacks in each environment, as completeness codes.
    # Kept up to date by the services that change contact information, so the gate never queries.
    missing_sandbox = models.JSONField(_("missing in Sandbox"), default=list, blank=True, editable=False)
    missing_production = models.JSONField(_("missing in Production"), default=list, blank=True, editable=False)
    # Requirements not past due, per environment: {"currently_due": [codes], "eventually_due": [codes],
    # "deadlines": {code: ISO 8601}}; with the next moment time alone changes an answer (the gate compares it with
    # the clock, no query; `manage.py contact_reviews` stores the new answer daily), the deadlines given to
    # due-later requirements (code: ISO 8601, kept while unmet), and the review reminders sent (contacts.reviews).
    due_sandbox = models.JSONField(_("due later in Sandbox"), default=dict, blank=True, editable=False)
    due_production = models.JSONField(_("due later in Production"), default=dict, blank=True, editable=False)
    requirements_change_at = models.DateTimeField(
        _("requirements change at"), null=True, blank=True, editable=False, db_index=True
    )
    requirement_deadlines = models.JSONField(_("deadlines given"), default=dict, blank=True, editable=False)
    review_reminders = models.JSONField(_("review reminders sent"), default=dict, blank=True, editable=False)
    # The quality warnings of the contact information ([code, category, address] each, contacts.warnings), kept
    # with the answer: pages show them without a query.
    quality_warnings = models.JSONField(_("quality warnings"), default=list, blank=True, editable=False)
    # When the contact information first became complete (the gate opened): the hand-off email goes out once.
    contacts_completed_at = models.DateTimeField(
        _("contact information first complete at"), null=True, blank=True, editable=False
    )
    # When the last of the pending invitations expires, or None when there is none (partners.services keeps it):
    # the users panel asks for pending invitations only while some may be open.
    invitations_open_until = models.DateTimeField(_("invitations open until"), null=True, blank=True, editable=False)
    # The last reminder to complete the contact information, sent by a member who cannot edit it (rate limit).
    reminded_at = models.DateTimeField(_("last reminder sent at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def integration_kind(self):
        """The registry entry for this partner's integration."""
        return get_integration(self.integration)

    @property
    def is_disabled(self):
        """Whether an operator has disabled the integration (the portal stays usable, with a banner)."""
        return self.status == self.Status.DISABLED

    @property
    def may_have_pending_invitations(self):
        """Whether an invitation may still be pending, as invitations_open_until says (no query)."""
        return self.invitations_open_until is not None and self.invitations_open_until > timezone.now()

    def missing_contacts(self, environment, now=None):
        """The requirement codes past due in an environment, which block (read from the stored answer, no query).

        What was currently due becomes past due the moment its deadline passes, before the daily command stores it.
        """
        stored = self.missing_production if environment == Environment.PRODUCTION else self.missing_sandbox
        if self.requirements_change_at is None or (now or timezone.now()) < self.requirements_change_at:
            return stored
        now = now or timezone.now()
        due = self.due(environment)
        passed = [
            code
            for code in due.get("currently_due", ())
            if datetime.fromisoformat(due["deadlines"][code]) <= now and code not in stored
        ]
        return [*stored, *passed] if passed else stored

    def due(self, environment):
        """The stored requirements of an environment that are not past due (see due_sandbox)."""
        return self.due_production if environment == Environment.PRODUCTION else self.due_sandbox

    def currently_due(self, environment, now=None):
        """(codes, deadline) of what is due by a date and has not passed it; ((), None) when nothing is."""
        now = now or timezone.now()
        due = self.due(environment)
        deadlines = {code: datetime.fromisoformat(due["deadlines"][code]) for code in due.get("currently_due", ())}
        codes = tuple(code for code, deadline in deadlines.items() if deadline > now)
        return codes, min((deadlines[code] for code in codes), default=None)

    def eventually_due(self, environment):
        """The codes due one day (the dashboard lists them; verification before launch holds the launch)."""
        return tuple(self.due(environment).get("eventually_due", ()))

    def contacts_complete(self, environment):
        """Whether the contact information is complete for an environment."""
        return not self.missing_contacts(environment)


class Role(models.TextChoices):
    """What a member may do in a partner."""

    ADMIN = "admin", _("Admin")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}

# What each role may do, in one sentence, for people who are handed a role (the invitation).
ROLE_SUMMARIES = {
    Role.ADMIN: _("Admins edit the contact information and manage the account's users."),
    Role.EDITOR: _("Editors edit the contact information."),
    Role.VIEWER: _("Viewers can read the contact information but not change it."),
}

LAST_ADMIN_MESSAGE = _("%(user)s is the only Admin of %(partner)s: make someone else Admin first.")


class MembershipQuerySet(models.QuerySet):
    """Queries about many memberships."""

    def admins(self):
        """Memberships with the Admin role."""
        return self.filter(role=Role.ADMIN)

    def editors_and_admins(self):
        """Members who may complete the contact information."""
        return self.filter(role__in=[Role.ADMIN, Role.EDITOR])

    def last_admins(self):
        """Of these memberships, about to be removed or demoted together, the Admins whose partner would keep none.

        The one place the rule "a partner always keeps at least one Admin" is written: the services, the
        Users page and the operators' admin (one row, an inline, a bulk delete of memberships or users) ask it.
        """
        leaving = self.admins()
        kept = Membership.objects.admins().exclude(pk__in=leaving.values("pk")).values("partner_id")
        return leaving.exclude(partner_id__in=kept)


class Membership(models.Model):
    """A user's place in a partner, with a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    # The last reminder this member sent to the Admins and Editors (rate limit: contacts.reminders).
    reminded_at = models.DateTimeField(_("last reminder sent at"), null=True, blank=True, editable=False)
    # When this member's contact form draft was last kept (contacts.drafts), or None when they have none: the
    # pages load the membership anyway, and need not look for a draft that is not there.
    draft_saved_at = models.DateTimeField(_("draft kept at"), null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "partner"], name="membership_user_partner_unique")]
        # A partner's members with their roles, read from the index alone (the users page, the picker).
        indexes = [models.Index(fields=["partner", "user", "role"], name="membership_partner_user_role")]
        ordering = ["partner__name", "user__email"]

    def __str__(self):
        return f"{self.user} · {self.partner} ({self.get_role_display()})"

    def has_role(self, role):
        """Whether this member's role is at least `role`."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def person(self):
        """The member as a message names them to someone who may not know them (see person_display)."""
        return person_display(self.user)

    @property
    def can_edit_contacts(self):
        """Admins and Editors may change the contact information."""
        return self.has_role(Role.EDITOR)

    @property
    def can_manage_users(self):
        """Only Admins invite, change roles and remove members."""
        return self.has_role(Role.ADMIN)


# The stored form of a one-time token (only its SHA-256 digest is ever kept): one rule for every link.
hash_token = token_digest


class InvitationQuerySet(models.QuerySet):
    """Queries about many invitations."""

    def pending(self):
        """Invitations that can still be accepted: not accepted, not revoked, not expired."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def for_email(self, email):
        """Invitations addressed to `email`: an exact match on its canonical form."""
        return self.filter(email_canonical=canonical_email(email))

    def looking_like(self, email):
        """Invitations whose address a reader could mistake for `email`, the same address included."""
        return self.filter(email_skeleton=email_skeleton(email))


class Invitation(models.Model):
    """An offer of membership sent by email; single use, valid for a few days."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"), max_length=254)
    # Derived from `email` on every save, as for users (accounts.identity).
    email_canonical = models.CharField(max_length=320, db_index=True, editable=False)
    email_skeleton = models.CharField(max_length=320, editable=False)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The email carrying the link, through the outbox: the Users tab says when it is not delivered yet.
    message = models.ForeignKey(
        "accounts.OutgoingEmail",
        verbose_name=_("email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.partner}"

    def save(self, *args, **kwargs):
        self.email_canonical = canonical_email(self.email)
        self.email_skeleton = email_skeleton(self.email)
        super().save(*args, **kwargs)

    @property
    def role_summary(self):
        """What the offered role may do, in one sentence."""
        return ROLE_SUMMARIES[Role(self.role)]

    @property
    def is_pending(self):
        """Whether the link can still be used: the rule of `InvitationQuerySet.pending`, for one loaded row."""
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


def person_display(user):
    """How a message names someone the reader may not know: "Ana García (ana@acme.example)", or the address."""
    return name_and_email(user.name, user.email)


def name_and_email(name, email):
    """person_display from the two values, for rows read without their model."""
    return f"{name} ({email})" if name else email


def named_actor_display(label):
    """An actor label that names no member as people read it: "operator:<email>" (a change in the Django admin) or
    "api_key:<name>" (a change through the API); None for any other label."""
    kind, _sep, rest = label.partition(":")
    if kind == "operator":
        return _("Operator (%(email)s)") % {"email": rest} if rest else _("An operator")
    if kind == "api_key":
        return _("API key “%(name)s”") % {"name": rest}
    return None


class Activity(models.Model):
    """One recorded change to a partner's contact information or members: who, when, before and after."""

    class Action(models.TextChoices):
        CONTACTS_UPDATED = "contacts.updated", _("Contact information updated")
        CONTACTS_REVIEWED = "contacts.reviewed", _("Contact information reviewed")
        MEMBER_ADDED = "member.added", _("Member added")
        MEMBER_ROLE_CHANGED = "member.role_changed", _("Member role changed")
        MEMBER_REMOVED = "member.removed", _("Member removed")
        MEMBER_LEFT = "member.left", _("Member left")
        ADMIN_HANDED_OVER = "member.admin_handed_over", _("Admin role handed over")
        ADMIN_APPOINTED = "member.admin_appointed", _("Admin appointed by an operator")
        INVITATION_SENT = "invitation.sent", _("Invitation sent")
        INVITATION_RESENT = "invitation.resent", _("Invitation resent")
        INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
        PARTNER_LAUNCHED = "partner.launched", _("Integration launched")
        PARTNER_DISABLED = "partner.disabled", _("Integration disabled")
        PARTNER_ENABLED = "partner.enabled", _("Integration enabled again")
        PHONE_REGION_CHANGED = "partner.phone_region_changed", _("Phone region changed")
        API_KEY_CREATED = "api_key.created", _("API key created")
        API_KEY_REVOKED = "api_key.revoked", _("API key revoked")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="activities")
    # Who made the change, as people should read it: a member's email, "Operator: …", later an API key's name.
    # The user, when there is one, is kept beside it for links and filters; the label survives their deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    subject = models.CharField(_("subject"), max_length=254, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activity")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.partner}"

    @property
    def actor_display(self):
        """Who made the change, for people: a member's email, or an operator or API key named as such."""
        operator = named_actor_display(self.actor_label)
        if operator:
            return operator
        return self.actor.get_full_name() if self.actor else self.actor_label

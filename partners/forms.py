"""Forms about a partner's people; each one's save() calls its service and turns a refusal into a form error."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordMixin
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form, MailingListsField
from accounts.models import User, normalize_email
from accounts.services import subscriptions_set
from accounts.validators import validate_email_address, validate_no_format_characters
from partners.models import Role
from partners.services import (
    MembershipError,
    invitation_accept,
    invitation_create,
    membership_change_role,
    refuse_look_alike,
)

# Fields of unbound forms as first shown, by form, field, initial value and language (FieldDrawnOnce).
_FIRST_SHOWN = {}


class FieldDrawnOnce(forms.BoundField):
    """A field whose markup, while its form is unbound, is drawn once per language and process, then reused.

    Unbound, a field shows the same markup to everyone: it changes only with the form's code, Django's field
    templates or the catalogues, each of which a deploy brings with new processes. Bound, it shows what was sent
    and its errors: drawn each time.
    """

    def as_field_group(self):
        if self.form.is_bound:
            return super().as_field_group()
        key = (type(self.form), self.html_name, self.auto_id, self.value(), translation.get_language())
        if (html := _FIRST_SHOWN.get(key)) is None:
            html = _FIRST_SHOWN[key] = super().as_field_group()
        return html


class InvitationForm(Form):
    """Invite someone to the partner account by email, with a role."""

    # Every Admin's users panel shows it unbound: drawn afresh, its two fields cost about what a page of members does.
    bound_field_class = FieldDrawnOnce

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        validators=[validate_email_address],
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the email address of the person to invite."),
            "invalid": _("Enter a valid email address, like ops@example.com."),
        },
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, membership, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.request = request

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def save(self):
        """Send the invitation; returns it, or None with the refusal added to the form's errors."""
        try:
            return invitation_create(
                partner=self.membership.partner,
                email=self.cleaned_data["email"],
                role=self.cleaned_data["role"],
                inviter=self.membership.user,
                request=self.request,
            )
        except MembershipError as error:
            self.add_error("email", str(error))
            return None


class RoleForm(Form):
    """Change a member's role."""

    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, error_messages={"invalid_choice": _("Choose a role from the list.")}
    )

    def __init__(self, *args, member, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.actor = actor

    def save(self):
        """Change the role; returns the membership, or None with the refusal added to the form's errors."""
        try:
            return membership_change_role(membership=self.member, role=self.cleaned_data["role"], actor=self.actor)
        except MembershipError as error:
            self.add_error("role", str(error))
            return None


class AcceptInvitationForm(SetPasswordMixin, Form):
    """A new user accepting an invitation: name, password, email language and mailing lists, then the membership."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        validators=[validate_no_format_characters],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()
    language = forms.ChoiceField(
        label=_("Language of your emails"),
        choices=lambda: settings.LANGUAGES,
        required=False,  # a post without it (a script) gets the page's language, as the form shows
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    mailing_lists = MailingListsField()

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        # The language they are reading this page in, unless they choose another.
        self.fields["language"].initial = translation.get_language()

    def clean_language(self):
        return self.cleaned_data["language"] or self.fields["language"].initial

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(User(email=self.invitation.email, name=self.cleaned_data.get("name", "")))
        try:
            refuse_look_alike(self.invitation.email)
        except MembershipError as error:
            raise forms.ValidationError(str(error), code="look_alike") from None
        return super().clean()

    def save(self):
        """Create the account and join the partner as one change; None if someone used the link a moment before."""
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=self.invitation.email,
                    password=self.cleaned_data["password1"],
                    name=self.cleaned_data["name"],
                    language=self.cleaned_data["language"],
                )
                subscriptions_set(user=user, mailing_lists=self.cleaned_data["mailing_lists"])
                return invitation_accept(invitation=self.invitation, user=user)
        except (IntegrityError, MembershipError):
            # No half-made account is left behind.
            return None

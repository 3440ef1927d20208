"""Forms of the portal shell."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.utils.translation import gettext_lazy as _

from portal.models import Role, User, normalize_email


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with an email address."""

    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InvitationForm(forms.Form):
    """Invite someone to the partner account by email, with a role."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the email address of the person to invite."),
            "invalid": _("Enter a valid email address, like ops@example.com."),
        },
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    """Change a member's role."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AcceptInvitationForm(SetPasswordMixin, forms.Form):
    """A new user accepting an invitation: a name and a password."""

    name = forms.CharField(label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, email, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(User(email=self.email, name=self.cleaned_data.get("name", "")))
        return super().clean()


class InvitedAdminPasswordResetForm(PasswordResetForm):
    """Password reset that also reaches users created without a password (by createpartner).

    Django skips users with an unusable password because they may sign in elsewhere (LDAP);
    this portal has no other sign-in, so they would be locked out once their first link expired.
    """

    def get_users(self, email):
        users = User._default_manager.filter(email__iexact=normalize_email(email), is_active=True)
        return (user for user in users if _email_matches(user, email))


def _email_matches(user, email):
    return user.email.casefold() == normalize_email(email).casefold()

"""Sign-in forms, and the base every form of the portal shares."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class LabelsAbove:
    """Labels sit above their inputs in this portal: no trailing colon after them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class Form(LabelsAbove, forms.Form):
    """The portal's plain form."""


class ModelForm(LabelsAbove, forms.ModelForm):
    """The portal's model form."""


class EmailAuthenticationForm(LabelsAbove, AuthenticationForm):
    """Sign in with an email address."""

    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class InvitedAdminPasswordResetForm(LabelsAbove, PasswordResetForm):
    """Password reset that also reaches users created without a password (by createpartner).

    Django skips users with an unusable password because they may sign in elsewhere (LDAP);
    this portal has no other sign-in, so they would be locked out once their first link expired.
    """

    def get_users(self, email):
        users = User._default_manager.with_email(email).filter(is_active=True)
        return (user for user in users if user.has_email(email))

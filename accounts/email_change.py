"""Changing the address one signs in with: asked for with the current password, confirmed from the new mailbox.

The link in the email opens a page whose button confirms (mail scanners fetch links); it works signed in or not,
since the new mailbox may be read on another device.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import Form
from accounts.services import (
    EMAIL_CHANGE_VALID_FOR,
    EmailChangeError,
    email_change_confirm,
    email_change_for_token,
    email_change_request,
)
from accounts.validators import validate_email_address


class EmailChangeForm(Form):
    """A new address and the current password: whoever finds a signed-in browser cannot take the account."""

    new_email = forms.EmailField(
        label=gettext_lazy("New email address"),
        max_length=254,
        validators=[validate_email_address],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."), code="password_incorrect")
        return password

    def save(self):
        """Send the link to the new address, or turn the rules' refusal into an error beside the field."""
        try:
            return email_change_request(user=self.user, new_email=self.cleaned_data["new_email"], request=self.request)
        except EmailChangeError as error:
            self.add_error("new_email", str(error))
            return None


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("password")
@never_cache
def email_change(request):
    """Ask for a new address; it takes effect once the link sent there is used."""
    form = EmailChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid() and (change := form.save()):
        messages.success(
            request,
            _("We sent a link to %(email)s. Your address changes once you open it and confirm.")
            % {"email": change.new_email},
        )
        return redirect("profile")
    pending = request.user.email_changes.pending().first()
    return render(request, "accounts/email_change.html", {"form": form, "pending": pending})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@login_not_required
def email_change_confirm_page(request, token):
    """Where the link lands: a button confirms. Only the POST changes the address: mail scanners fetch links."""
    change = email_change_for_token(token)
    if change is None or not change.is_pending:
        return _link_invalid(request)
    if request.method == "POST":
        try:
            user = email_change_confirm(change=change)
        except EmailChangeError as error:
            return _link_invalid(request, reason=str(error))
        if request.user.is_authenticated and request.user.pk == user.pk:
            request.user.email = user.email  # the page drawn next shows the new address
        return render(request, "accounts/email_change_done.html", {"change": change, "account": user})
    return render(request, "accounts/email_change_confirm.html", {"change": change})


def _link_invalid(request, reason=""):
    """410 Gone: the link was used, replaced, mistyped or is too old."""
    hours = int(EMAIL_CHANGE_VALID_FOR.total_seconds() // 3600)
    return render(request, "accounts/email_change_invalid.html", {"hours": hours, "reason": reason}, status=410)

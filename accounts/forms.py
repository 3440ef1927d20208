"""Sign-in, password and profile forms, and the base every form of the portal shares."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import MailingList, User
from accounts.outbox import email_queue
from accounts.services import subscriptions_set


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

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        """Queue the link in the outbox rather than send it during the request: a mail server that is down costs
        a retry, never the page. Written in the language of the page that asked; erased from the outbox once sent.
        """
        language = translation.get_language()
        # One line whatever the templates hold: a header may not contain line breaks.
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        email_queue(to=to_email, subject=subject, body=body, language=language, one_time_link=True)


class MailingListsField(forms.MultipleChoiceField):
    """The portal's mailing lists as checkboxes in a fieldset, none ticked unless chosen."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mailing lists"))
        kwargs.setdefault("help_text", _("Alerts and emergencies reach you as a contact whatever you choose here."))
        super().__init__(choices=MailingList.choices, required=False, **kwargs)


class ProfileForm(ModelForm):
    """A user's own settings: their name, the language of the emails we send them, and their mailing lists."""

    mailing_lists = MailingListsField()

    class Meta:
        model = User
        fields = ["name", "language"]
        labels = {"name": _("Your name"), "language": _("Language of your emails")}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["mailing_lists"].initial = list(
                self.instance.subscriptions.values_list("mailing_list", flat=True)
            )

    @transaction.atomic
    def save(self):
        """Save the name and language, and subscribe the user to exactly the ticked lists."""
        user = super().save(commit=False)
        user.save(update_fields=["name", "language"])  # nothing else: not a password changed meanwhile
        subscriptions_set(user=user, mailing_lists=self.cleaned_data["mailing_lists"])
        return user


def one_time_code(value):
    """A typed code in one spelling: no spaces or hyphens (as apps and printouts group them), lower case."""
    return "".join((value or "").split()).replace("-", "").lower()


def code_device(user, code):
    """The device a code is meant for: six digits are the authenticator app's, anything else a recovery code."""
    model = TOTPDevice if len(code) == 6 and code.isascii() and code.isdigit() else StaticDevice
    return model.objects.filter(user=user, confirmed=True).order_by("pk").first()


def throttled_error(device):
    """The error to show while django-otp makes the user wait after wrong codes, or None."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds() + 0.999))
    return forms.ValidationError(
        ngettext(
            "Too many wrong codes. Try again in %(seconds)d second.",
            "Too many wrong codes. Try again in %(seconds)d seconds.",
            wait,
        ),
        code="throttled",
        params={"seconds": wait},
    )


class OneTimeCodeField(forms.CharField):
    """A code from an authenticator app (or a recovery code), typed by hand or filled in by the browser."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", 32)
        attrs = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)


class SecondStepForm(Form):
    """The second step of signing in: a six-digit code from the app, or one of the recovery codes."""

    code = OneTimeCodeField(help_text=_("The six-digit code your authenticator app shows, or a recovery code."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None
        self.refused = False  # a code was typed and refused (wrong, or while django-otp makes the user wait)

    def clean_code(self):
        code = one_time_code(self.cleaned_data["code"])
        self.refused = True
        device = code_device(self.user, code)
        if device is None:
            raise forms.ValidationError(_("That code is not right. Check it and try again."), code="wrong")
        error = throttled_error(device)
        if error is not None:
            raise error
        # django-otp verifies under a row lock, so one code cannot be used twice at once.
        verified = verify_token(self.user, device.persistent_id, code)
        if verified is None:  # wrong, or used already: a code works once (the app shows a new one every 30 seconds)
            raise forms.ValidationError(
                _("That code is not right, or it was used already. Check it, or wait for the next one."), code="wrong"
            )
        self.device, self.refused = verified, False
        return code


class TwoFactorCodeForm(Form):
    """Confirm a new authenticator app with a code it shows."""

    code = OneTimeCodeField(help_text=_("The six-digit code your authenticator app shows now."))

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = one_time_code(self.cleaned_data["code"])
        error = throttled_error(self.device)
        if error is not None:
            raise error
        with transaction.atomic():
            if not self.device.verify_token(code):
                raise forms.ValidationError(
                    _("That code is not right. Check the app's clock and try the code it shows now."), code="wrong"
                )
        return code


class TwoFactorDisableForm(Form):
    """Turning two-factor sign-in off needs the password or a current code."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = OneTimeCodeField(
        required=False, help_text=_("Or a code from your authenticator app, or a recovery code."), label=_("Or a code")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["code"].widget.attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs["autofocus"] = True

    def clean(self):
        cleaned = super().clean()
        password, code = cleaned.get("password"), one_time_code(cleaned.get("code"))
        if not password and not code:
            raise forms.ValidationError(_("Type your password or a code."), code="required")
        # Wrong passwords here count against the app's throttling too, so this form cannot be used to guess.
        app = TOTPDevice.objects.filter(user=self.user, confirmed=True).order_by("pk").first()
        if app is not None and (error := throttled_error(app)) is not None:
            raise error
        if password and self.user.check_password(password):
            return cleaned
        if code and (device := code_device(self.user, code)) is not None:
            if (error := throttled_error(device)) is not None:
                raise error
            if verify_token(self.user, device.persistent_id, code) is not None:
                return cleaned
        if password and app is not None:
            app.throttle_increment()
        raise forms.ValidationError(_("That password or code is not right."), code="wrong")

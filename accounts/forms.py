"""Sign-in, password and profile forms, and the base every form of the portal shares."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

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

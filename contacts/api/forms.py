"""The form an Admin creates an API key with; its save() calls the service and turns a refusal into a form error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from accounts.validators import validate_no_format_characters
from contacts.api.models import APIKey
from contacts.api.services import APIKeyError, api_key_create


class APIKeyForm(Form):
    """Name a new key and choose its scope."""

    name = forms.CharField(
        label=_("Name"),
        max_length=APIKey._meta.get_field("name").max_length,
        validators=[validate_no_format_characters],
        help_text=_("Name it after what uses it, such as “Nightly sync”. The activity log shows this name."),
        error_messages={"required": _("Name the key, for example after the script that will use it.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=APIKey.Scope.choices,
        initial=APIKey.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "Read: GET the contact information, requirements and notifications. "
            "Read and write: also replace the contact information."
        ),
        error_messages={
            "required": _("Choose what the key may do: Read, or Read and write."),
            "invalid_choice": _("Choose what the key may do: Read, or Read and write."),
        },
    )

    def __init__(self, *args, partner, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.actor = actor

    def save(self):
        """Create the key; returns (key, text), or None with the refusal added to the name's errors."""
        try:
            return api_key_create(
                partner=self.partner,
                name=self.cleaned_data["name"],
                scope=self.cleaned_data["scope"],
                actor=self.actor,
            )
        except APIKeyError as error:
            self.add_error("name", str(error))
            return None

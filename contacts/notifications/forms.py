"""The operators' forms that send: each validates what was typed, previews who will be told and calls one service
in its save(). Every one carries an idempotency key made when the page is shown, so a double submit acts once."""

import secrets

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.notifications.models import Broadcast, Notification
from contacts.notifications.services import broadcast_create, integration_disable, notify
from contacts.routing import NotificationKind, RoutingError, recipients_by_partner
from partners.environments import Environment
from partners.integrations import integration_choices
from partners.models import Partner
from partners.services import PartnerError, operator_label


def new_idempotency_key():
    """A fresh key for a form that sends: made when the page is shown, posted back with it."""
    return secrets.token_urlsafe(18)


class IdempotentForm(forms.Form):
    """A form whose final submit must act once, however often it is posted."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, validators=[RegexValidator(r"\A[-\w]{16,40}\Z")], max_length=40
    )

    def key_for(self, partner):
        """The key of the one notification this form raises about `partner`."""
        return f"{self.cleaned_data['idempotency_key']}:{partner.pk}"

    def keys_already_used(self, partners):
        """The partners this very form already raised a notification about (an earlier submit of it)."""
        keys = {self.key_for(partner): partner.pk for partner in partners}
        used = Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        return {keys[key] for key in used}


class IntegrationDisableForm(IdempotentForm):
    """Why the integration is disabled; the partner's technical emergency contacts read it."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=gettext_lazy("The partner's technical emergency contacts receive this text."),
    )

    def save(self, *, partners, operator):
        """Disable each partner and tell its emergency contacts: ({partner: notification}, repeats, refusals)."""
        repeated = self.keys_already_used(partners)
        done, refused = {}, []
        for partner in partners:
            if partner.pk in repeated:
                continue
            try:
                done[partner] = integration_disable(
                    partner=partner,
                    operator=operator,
                    reason=self.cleaned_data["reason"],
                    idempotency_key=self.key_for(partner),
                )
            except PartnerError as error:
                refused.append(str(error))
        return done, [p for p in partners if p.pk in repeated], refused


class NotificationForm(IdempotentForm):
    """A notification about each selected partner; the routing decides who receives it."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=NotificationKind.choices)
    environment = forms.ChoiceField(
        label=gettext_lazy("Environment"),
        choices=Environment.choices,
        initial=Environment.PRODUCTION,
        help_text=gettext_lazy("Alerts are sent only about Production."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 8, "cols": 60}))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partners = partners
        self.recipients = {}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("environment"):
            try:
                self.recipients = recipients_by_partner(self.partners, cleaned["kind"], cleaned["environment"])
            except RoutingError as error:
                self.add_error("environment", str(error))
        return cleaned

    def save(self, *, operator):
        """Raise the notification about each partner: ({partner: notification}, partners already done)."""
        repeated = self.keys_already_used(self.partners)
        done = {}
        for partner in self.partners:
            if partner.pk in repeated:
                continue
            done[partner] = notify(
                partner=partner,
                kind=self.cleaned_data["kind"],
                environment=self.cleaned_data["environment"],
                subject=self.cleaned_data["subject"],
                body=self.cleaned_data["body"],
                raised_by=operator,
                label=operator_label(operator),
                idempotency_key=self.key_for(partner),
            )
        return done, [p for p in self.partners if p.pk in repeated]


class BroadcastForm(IdempotentForm):
    """An announcement or product update to every partner of an integration kind, or to all of them."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(k.value, k.label) for k in (NotificationKind.ANNOUNCEMENT, NotificationKind.PRODUCT_UPDATE)],
    )
    integration = forms.ChoiceField(
        label=gettext_lazy("Partners"),
        choices=lambda: [("", _("All partners")), *integration_choices()],
        required=False,
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 8, "cols": 60}))

    def partners(self):
        """The partners the broadcast will reach, as the fan-out chooses them."""
        partners = Partner.objects.all()
        if self.cleaned_data["integration"]:
            partners = partners.filter(integration=self.cleaned_data["integration"])
        return partners

    def save(self, *, operator):
        """Create the broadcast (or find the one this form already created): (broadcast, whether it is new)."""
        key = self.cleaned_data["idempotency_key"]
        existed = Broadcast.objects.filter(idempotency_key=key).exists()
        broadcast = broadcast_create(
            kind=self.cleaned_data["kind"],
            subject=self.cleaned_data["subject"],
            body=self.cleaned_data["body"],
            operator=operator,
            integration=self.cleaned_data["integration"],
            idempotency_key=key,
        )
        return broadcast, not existed


class PartnerForm(forms.ModelForm):
    """The partner's own fields; disabling and enabling go through the actions, which record why and tell people."""

    def clean_status(self):
        status = self.cleaned_data["status"]
        was = self.instance.status if self.instance.pk else None
        if (status == Partner.Status.DISABLED) != (was == Partner.Status.DISABLED):
            raise forms.ValidationError(
                _(
                    "Disable or enable the integration with the actions of the partner list: "
                    "they record why and tell the partner's emergency contacts."
                )
            )
        return status

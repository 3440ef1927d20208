"""Alert contacts: portal users of the partner, chosen where alert contacts exist (Production)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from accounts.models import User
from contacts import categories as c
from contacts.forms.base import Section
from contacts.forms.fields import AlertContactsField


class AlertContactsForm(Form):
    """Alert contacts: chosen among the partner's portal users."""

    alert_contacts = AlertContactsField(
        label=c.ALERT.label,
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose alert contacts among the users of this account."),
            "invalid_pk_value": _("Choose alert contacts among the users of this account."),
        },
    )

    def __init__(self, *args, members, editable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert_contacts"].queryset = members
        self.fields["alert_contacts"].disabled = not editable

    def checkboxes(self):
        """One checkbox per member, as HTML."""
        return self.fields["alert_contacts"].checkboxes(self["alert_contacts"])


class MembersSection(Section):
    """Alert contacts: portal users, chosen only where alert contacts exist (Production)."""

    template_name = "contacts/_section_members.html"
    cacheable = False  # depends on the members, not on the version

    def build(self, data, shown):
        # Where they cannot be chosen, the stored ones are shown whatever was posted.
        editable = self.page.alerts_editable
        chosen = shown["alert_contacts"] if shown is not None and editable else self.page.alert_ids
        self.form = AlertContactsForm(
            data,
            prefix="general",
            members=self.page.members,
            editable=editable,
            initial={"alert_contacts": chosen},
        )

    @property
    def badge(self):
        return "" if self.page.environment.has_alert_contacts else _("Production only")

    def parts(self):
        return [self.form]

    def counts(self):
        chosen = self.form.cleaned_data.get("alert_contacts") if self.form.is_valid() else None
        return {"alert": len(chosen if chosen is not None else self.form["alert_contacts"].value() or [])}

    def error_summary(self):
        label, anchor = self.category.label, f"#{self.category.anchor}"
        messages = [*self.errors, *self.form.errors.get("alert_contacts", [])]
        return [(anchor, f"{label}: {message}") for message in messages]

    def shown(self):
        return {"alert_contacts": self.form["alert_contacts"].value()}

    def save(self):
        if self.page.alerts_editable:
            self.page.info.alert_contacts.set(self.form.cleaned_data["alert_contacts"])

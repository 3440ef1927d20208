"""The registry of integration kinds a partner can build."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class IntegrationKind:
    """One kind of end-to-end integration, and which contact rules apply to it."""

    code: str
    label: str
    needs_merchant_contact: bool

    @property
    def contact_category_count(self):
        """How many categories its contact information has (contacts.categories.categories_for lists them)."""
        return 7 if self.needs_merchant_contact else 6


INTEGRATION_KINDS = {
    kind.code: kind
    for kind in (
        IntegrationKind("appointments", _("Appointments"), needs_merchant_contact=False),
        IntegrationKind("reservations", _("Reservations"), needs_merchant_contact=True),
        IntegrationKind("ordering", _("Ordering"), needs_merchant_contact=True),
        IntegrationKind("healthcare_appointments", _("Healthcare appointments"), needs_merchant_contact=False),
    )
}


def integration_choices():
    """Choices for a model or form field, in registry order."""
    return [(kind.code, kind.label) for kind in INTEGRATION_KINDS.values()]


def get_integration(code):
    """Return the integration kind for a code; a code no longer in the registry raises KeyError."""
    return INTEGRATION_KINDS[code]

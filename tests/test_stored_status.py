"""The completeness answer stored on each partner can always be rebuilt from its source, and the gate's
middleware order is checked at start-up."""

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from contacts.services import computed_status
from partners.models import Partner
from tests.helpers import admin_of, complete_contacts, make_partner

pytestmark = pytest.mark.django_db

GATE = "contacts.middleware.ContactInformationRequiredMiddleware"
CURRENT = "partners.middleware.CurrentPartnerMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"


def refresh():
    out = StringIO()
    call_command("refresh_contact_status", stdout=out)
    return out.getvalue().strip()


def test_refresh_rebuilds_stale_answers_says_how_many_and_is_idempotent():
    gated, complete = make_partner(), make_partner()
    complete_contacts(complete, alerts=[admin_of(complete)])
    # Stored answers gone stale, as after a deploy that changed a rule or an integration kind.
    Partner.objects.filter(pk=gated.pk).update(missing_sandbox=[], missing_production=[])
    Partner.objects.filter(pk=complete.pk).update(missing_production=["alert_contacts_required"])
    assert refresh() == "Checked 2 partners; 2 changed."
    for partner in Partner.objects.all():
        assert (partner.missing_sandbox, partner.missing_production) == computed_status(partner)
    assert Partner.objects.get(pk=gated.pk).missing_sandbox  # gated again, as its contacts say
    assert refresh() == "Checked 2 partners; 0 changed."


def test_refresh_follows_a_changed_integration_kind():
    partner = make_partner(integration="appointments")
    assert "merchant_issues_required" not in partner.missing_sandbox
    Partner.objects.filter(pk=partner.pk).update(integration="ordering")  # as an operator's bulk change would
    assert refresh() == "Checked 1 partner; 1 changed."
    assert "merchant_issues_required" in Partner.objects.get(pk=partner.pk).missing_sandbox


@pytest.mark.parametrize(
    "order",
    [
        [AUTH, GATE, CURRENT],  # the gate before the current partner is known
        [GATE, AUTH, CURRENT],  # before the user is known
        [AUTH, GATE],  # without the current-partner middleware at all
    ],
)
def test_the_gate_must_come_after_authentication_and_the_current_partner(settings, order):
    settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", *order]
    assert "contacts.E001" in {error.id for error in run_checks()}


def test_the_projects_middleware_order_passes_the_check():
    assert "contacts.E001" not in {error.id for error in run_checks()}

"""The dashboard's launch checklist and the Launch button."""

from django.urls import reverse

from partners.environments import Environment
from partners.models import Activity, Partner
from tests.helpers import complete_contacts, signed_in

DASHBOARD = reverse("portal:dashboard")
LAUNCH = reverse("portal:launch")


def test_the_checklist_names_what_production_still_needs(partner, admin_user):
    complete_contacts(partner)
    page = signed_in(admin_user).get(DASHBOARD).content.decode()
    assert 'data-code="alert_contacts_required"' in page
    assert "Choose at least one alert contact." in page
    assert "disabled" in page[page.index('action="/launch/"') :][:400]


def test_launch_is_refused_until_production_is_complete(partner, admin_user):
    complete_contacts(partner)
    client = signed_in(admin_user)
    response = client.post(LAUNCH, follow=True)
    assert "Complete the Production contact information before launching." in response.content.decode()
    assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING


def test_launching_records_who_and_when(partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    client = signed_in(admin_user, Environment.PRODUCTION)
    page = client.get(DASHBOARD).content.decode()
    assert "Complete." in page
    assert client.post(LAUNCH).status_code == 302
    partner.refresh_from_db()
    assert partner.status == Partner.Status.LAUNCHED
    assert partner.launched_by == admin_user and partner.launched_at is not None
    assert Activity.objects.filter(partner=partner, action=Activity.Action.PARTNER_LAUNCHED).count() == 1
    assert "Launched on" in client.get(DASHBOARD).content.decode()
    assert "already been launched" in client.post(LAUNCH, follow=True).content.decode()


def test_only_admins_launch(partner, admin_user, editor):
    complete_contacts(partner, alerts=[admin_user])
    assert signed_in(editor).post(LAUNCH).status_code == 403
    assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING

"""The dashboard's launch checklist and the Launch button."""

from django.test.html import parse_html
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from partners.environments import Environment
from partners.models import Activity, Partner
from tests.helpers import complete_contacts, html_elements, signed_in

DASHBOARD = reverse("portal:dashboard")
LAUNCH = reverse("portal:launch")


DISABLED_LAUNCH = (
    '<button type="submit" class="button button-primary" disabled aria-describedby="launch-hint">Launch</button>'
)
ENABLED_LAUNCH = '<button type="submit" class="button button-primary">Launch</button>'


def test_the_checklist_names_what_production_still_needs(partner, admin_user):
    complete_contacts(partner)
    response = signed_in(admin_user).get(DASHBOARD)
    assert response.status_code == 200
    # Alert contacts are chosen in Production: the item switches there, straight to their section.
    [item] = html_elements(response.content.decode(), "li", data_code="alert_contacts_required")
    [form] = html_elements(str(item), "form", action=reverse("portal:switch_environment"))
    assert parse_html('<input type="hidden" name="environment" value="production">') in form
    assert parse_html(f'<input type="hidden" name="next" value="{reverse("portal:dashboard")}">') in form
    [button] = html_elements(str(form), "button", type="submit")
    assert "Choose at least one alert contact." in str(button)
    assertNotContains(response, "<code")  # completeness codes are for operators, not partners
    assertContains(response, DISABLED_LAUNCH, html=True, count=1)
    assertNotContains(response, ENABLED_LAUNCH, html=True)
    assertContains(
        response,
        '<p class="note" id="launch-hint">Launch unlocks once the Production contact information is complete and '
        "its technical emergency and shared contacts are verified.</p>",
        html=True,
    )


def test_launch_is_refused_until_production_is_complete(partner, admin_user):
    complete_contacts(partner)
    client = signed_in(admin_user)
    response = client.post(LAUNCH, {"confirmed": "1"}, follow=True)
    assert "Complete the Production contact information before launching." in response.content.decode()
    assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING


def test_launching_records_who_and_when(partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    client = signed_in(admin_user, Environment.PRODUCTION)
    dashboard = client.get(DASHBOARD)
    assertContains(dashboard, "Complete.", count=2)  # both environments
    assertContains(dashboard, ENABLED_LAUNCH, html=True, count=1)
    assert client.post(LAUNCH, {"confirmed": "1"}).status_code == 302
    partner.refresh_from_db()
    assert partner.status == Partner.Status.LAUNCHED
    assert partner.launched_by == admin_user and partner.launched_at is not None
    assert Activity.objects.filter(partner=partner, action=Activity.Action.PARTNER_LAUNCHED).count() == 1
    launched = client.get(DASHBOARD)
    assertContains(launched, "Launched on")
    assertNotContains(launched, "Launch</button>")
    assert "already been launched" in client.post(LAUNCH, {"confirmed": "1"}, follow=True).content.decode()


def test_only_admins_launch(partner, admin_user, editor):
    complete_contacts(partner, alerts=[admin_user])
    assert signed_in(editor).post(LAUNCH).status_code == 403
    assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING


def test_a_disabled_integration_is_not_launched_until_operators_enable_it(partner, admin_user):
    from accounts.models import User
    from partners.services import partner_disable, partner_enable

    complete_contacts(partner, alerts=[admin_user])
    operator = User.objects.create_superuser(email="ops@portal.example", password="x")
    partner_disable(partner=partner, operator=operator, reason="Duplicate bookings")
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert "enable it" in client.post(LAUNCH, {"confirmed": "1"}, follow=True).content.decode()
    partner.refresh_from_db()
    assert partner.status == Partner.Status.DISABLED and partner.launched_at is None
    partner_enable(partner=partner, operator=operator)
    assert client.post(LAUNCH, {"confirmed": "1"}).status_code == 302
    partner.refresh_from_db()
    assert partner.status == Partner.Status.LAUNCHED

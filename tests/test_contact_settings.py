"""Settings › Contact information: the page, its rows, roles and its query count."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from contacts.categories import CATEGORIES
from contacts.models import ContactInformation
from partners.environments import Environment
from partners.models import Activity, Role
from tests.helpers import complete_contacts, contact_form_data, make_member, make_partner, posted_values, signed_in

URL = reverse("contacts:edit")


def test_the_page_shows_all_seven_categories_with_their_help(complete_partner, admin_user):
    page = signed_in(admin_user).get(URL).content.decode()
    for category in CATEGORIES:
        assert f'id="{category.anchor}"' in page
        assert str(category.label) in page
        assert escape(str(category.help_text)) in page


def test_merchant_issues_is_hidden_where_the_integration_does_not_need_it(db):
    partner = make_partner(integration="appointments")
    complete_contacts(partner)
    page = signed_in(partner.memberships.get().user).get(URL).content.decode()
    assert 'id="category-merchant_issues"' not in page
    assert 'id="category-operator"' in page


def test_alert_contacts_are_read_only_in_sandbox_with_a_note(complete_partner, admin_user):
    page = signed_in(admin_user).get(URL).content.decode()
    assert "Alert contacts can only be set in the Production environment." in page
    assert f'value="{admin_user.pk}" id="id_general-alert_contacts_{admin_user.pk}" checked disabled>' in page


def test_saving_from_settings_stays_on_settings_and_records_the_change(complete_partner, admin_user):
    info = ContactInformation.objects.get(partner=complete_partner)
    client = signed_in(admin_user)
    data = posted_values(client.get(URL))
    data["operator-0-email"] = "escalations@acme.example"
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    assert info.contacts.filter(category="operator").get().email == "escalations@acme.example"
    activity = Activity.objects.get(partner=complete_partner)
    assert activity.actor == admin_user
    assert [c["email"] for c in activity.before["operator"]] == ["operator0@acme.example"]
    assert [c["email"] for c in activity.after["operator"]] == ["escalations@acme.example"]
    assert "Contact information saved." in client.get(URL).content.decode()


def test_add_another_row_works_without_javascript(partner, admin_user):
    client = signed_in(admin_user)
    data = contact_form_data(operator=["one@acme.example"])
    data["add_row"] = "operator"
    response = client.post(reverse("contacts:onboarding"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="operator-TOTAL_FORMS" value="2"' in body
    assert 'name="operator-1-email"' in body
    assert 'value="one@acme.example"' in body
    assert "problem to fix" not in body  # asking for a row is not a submission
    assert not ContactInformation.objects.get(partner=partner).contacts.exists()


def test_a_viewer_sees_the_form_read_only_and_who_can_complete_it(complete_partner, viewer, editor):
    page = signed_in(viewer).get(URL).content.decode()
    assert "You have view-only access" in page
    assert editor.email in page
    assert "Save contact information" not in page
    disabled_email = 'name="operator-0-email" value="operator0@acme.example"'
    assert disabled_email in page
    assert 'maxlength="254" disabled' in page[page.index(disabled_email) :][:200]


def test_a_viewer_post_is_refused_and_changes_nothing(complete_partner, viewer):
    info = ContactInformation.objects.get(partner=complete_partner)
    before = info.as_dict()
    response = signed_in(viewer).post(URL, contact_form_data(operator=["hijack@evil.example"]))
    assert response.status_code == 403
    info.refresh_from_db()
    assert info.as_dict() == before and info.version == 0


def test_an_editor_may_save(complete_partner, editor):
    client = signed_in(editor)
    data = posted_values(client.get(URL))
    assert client.post(URL, data).status_code == 302


@pytest.mark.parametrize("per_category", [1, 10])
def test_the_page_costs_the_same_queries_with_one_or_ten_contacts(db, per_category, django_assert_num_queries):
    partner = make_partner()
    members = [make_member(partner, Role.EDITOR) for _ in range(per_category)]
    complete_contacts(partner, alerts=members, per_category=per_category)
    client = signed_in(members[0], Environment.PRODUCTION)
    client.get(URL)  # the first visit stores the current partner in the session
    # session, user, memberships with their partners, contact information, the alert contacts' picker, the
    # addresses' verifications; the rows and windows only when the form is drawn anew (contacts.fragments), the
    # draft only when the membership has one
    cached_sessions = settings.SESSION_ENGINE.endswith("cached_db")
    with django_assert_num_queries(5 if cached_sessions else 6):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('type="email"') >= 4 * per_category


def test_query_count_does_not_grow_with_contacts(db):
    counts = []
    for per_category in (1, 10):
        partner = make_partner()
        members = [make_member(partner) for _ in range(per_category)]
        complete_contacts(partner, alerts=members, per_category=per_category)
        client = signed_in(members[0], Environment.PRODUCTION)
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cached_renderings_follow_every_save_and_the_language(complete_partner, admin_user, editor):
    client = signed_in(admin_user)
    first = client.get(URL).content.decode()
    assert 'value="operator0@acme.example"' in first
    other = signed_in(editor)
    data = posted_values(other.get(URL))
    data["operator-0-email"] = "changed@acme.example"
    assert other.post(URL, data).status_code == 302
    again = client.get(URL).content.decode()
    assert 'value="changed@acme.example"' in again and "operator0@acme.example" not in again
    client.cookies["django_language"] = "es"
    spanish = client.get(URL).content.decode()
    assert "Contactos técnicos de emergencia" in spanish and "Technical emergency contacts" not in spanish


def test_an_operator_edit_in_the_admin_refreshes_the_page(complete_partner, admin_user):
    from django.contrib.auth import get_user_model

    client = signed_in(admin_user)
    assert "operator0@acme.example" in client.get(URL).content.decode()
    info = ContactInformation.objects.get(partner=complete_partner)
    operator = get_user_model().objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")
    admin_client = signed_in(operator)
    change = admin_client.get(reverse("admin:contacts_contactinformation_change", args=[info.pk]))
    assert change.status_code == 200
    data = {"partner": complete_partner.pk, "alert_contacts": [admin_user.pk], "support_24_7": ""}
    for formset in change.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update(
            {f"{fs.prefix}-TOTAL_FORMS": fs.total_form_count(), f"{fs.prefix}-INITIAL_FORMS": fs.initial_form_count()}
        )
        for i, inline in enumerate(fs.forms):
            for name in inline.fields:
                value = inline[name].value()
                if value not in (None, ""):
                    data[f"{fs.prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
                    if name == "email" and value == "operator0@acme.example":
                        data[f"{fs.prefix}-{i}-{name}"] = "from-operator@acme.example"
    response = admin_client.post(reverse("admin:contacts_contactinformation_change", args=[info.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert "from-operator@acme.example" in client.get(URL).content.decode()

"""Quality warnings where people see them: stored with the requirements, listed on the dashboard at no query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact
from contacts.services import contact_information_for, contact_status_refresh
from contacts.warnings import FREE_MAIL_DOMAIN
from tests.helpers import html_element, signed_in

DASHBOARD = reverse("portal:dashboard")


def on_free_mail(partner):
    info = contact_information_for(partner)
    Contact.objects.filter(contact_information=info, category="shared").update(email="brand@gmail.com")
    contact_status_refresh(partner=partner, info=info)
    partner.refresh_from_db()


def test_warnings_are_stored_with_the_answer(complete_partner):
    assert complete_partner.quality_warnings == []
    on_free_mail(complete_partner)
    assert complete_partner.quality_warnings == [[FREE_MAIL_DOMAIN, "shared", "brand@gmail.com"]]


def test_the_dashboard_lists_them_with_a_link_to_the_category(complete_partner, admin_user):
    on_free_mail(complete_partner)
    response = signed_in(admin_user).get(DASHBOARD)
    card = str(html_element(response.content.decode(), "section", **{"data-quality-warnings": ""}))
    assert f'data-code="{FREE_MAIL_DOMAIN}"' in card
    assert "brand@gmail.com" in card
    assert reverse("contacts:edit_section", args=["shared"]) in card


def test_listing_them_costs_the_dashboard_no_query(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as without:
        client.get(DASHBOARD)
    on_free_mail(complete_partner)
    with CaptureQueriesContext(connection) as with_warnings:
        response = client.get(DASHBOARD)
    assert FREE_MAIL_DOMAIN in response.content.decode()
    assert len(with_warnings) == len(without)


def test_no_card_without_warnings(complete_partner, admin_user):
    response = signed_in(admin_user).get(DASHBOARD)
    assert "data-quality-warnings" not in response.content.decode()


def test_removing_a_member_prompts_to_replace_their_address_where_it_is_used(complete_partner, admin_user, editor):
    info = contact_information_for(complete_partner)
    Contact.objects.filter(contact_information=info, category="technical_emergency").update(email=editor.email)
    member = complete_partner.memberships.get(user=editor)
    response = signed_in(admin_user).get(reverse("portal:member_remove", args=[member.pk]))
    assert "Their address is still used in Technical emergency contacts: replace it there." in response.content.decode()


def test_warnings_show_beside_their_category_and_a_cached_form_follows_them(complete_partner, admin_user):
    from accounts.models import OutgoingEmail
    from contacts.notifications.models import Delivery, Notification

    client = signed_in(admin_user)
    edit = reverse("contacts:edit")
    before = client.get(edit).content.decode()  # drawn and cached
    assert "data-quality-warnings" not in before
    # A delivery failing changes no version: the stored warnings (and the key) must carry it.
    notification = Notification.objects.create(partner=complete_partner, kind="emergency", subject="Down")
    email = OutgoingEmail.objects.create(
        to="operator0@acme.example", language="en", subject="x", body="y", status=OutgoingEmail.Status.FAILED
    )
    Delivery.objects.create(
        notification=notification, email=email, address="operator0@acme.example", language="en", source="operator"
    )
    contact_status_refresh(partner=complete_partner)
    html = client.get(edit).content.decode()
    fieldset = str(html_element(html, "fieldset", id="category-operator"))
    assert 'data-code="deliveries_failed"' in fieldset
    assert "category-operator-warnings" in fieldset


def test_enter_in_a_field_saves_rather_than_resending_a_confirmation(partner, admin_user):
    import re

    from contacts.verification import verification_sync
    from tests.helpers import complete_contacts

    info = complete_contacts(partner, alerts=[admin_user], verified=False)
    verification_sync(info=info)  # every address waits for its confirmation: every row offers Resend
    html = signed_in(admin_user).get(reverse("contacts:edit")).content.decode()
    form = html[html.index('id="contact-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert "formaction" not in first_button and "name=" not in first_button
    assert 'type="submit"' in first_button
    assert "verification-resend" in form  # the rows do offer Resend


def test_leaving_prompts_to_replace_your_address_where_it_is_used(complete_partner, admin_user, editor):
    info = contact_information_for(complete_partner)
    Contact.objects.filter(contact_information=info, category="operator").update(email=editor.email)
    response = signed_in(editor).get(reverse("portal:leave"))
    text = response.content.decode()
    assert "Your address is still used in Operational contact" in text


def test_a_refused_page_is_the_portals_own_in_the_readers_language(complete_partner, editor):
    client = signed_in(editor)
    client.cookies["django_language"] = "es"
    response = client.get(reverse("portal:activity_restore", args=[1]), headers={"accept-language": "es"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "No puedes abrir esta página" in text and 'lang="es"' in text

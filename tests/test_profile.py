"""The profile page: a signed-in user's name, the language of their emails and their mailing lists."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import MailingList, Subscription, User
from tests.helpers import PASSWORD, html_element, html_elements, make_partner, signed_in

pytestmark = pytest.mark.django_db

PROFILE = reverse("profile")
LISTS = [MailingList.TECHNICAL_ANNOUNCEMENTS, MailingList.PRODUCT_UPDATES]


def subscribed(user):
    return sorted(user.subscriptions.values_list("mailing_list", flat=True))


def test_anonymous_visitors_are_asked_to_sign_in():
    response = Client().get(PROFILE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_page_shows_what_the_user_has_chosen(admin_user):
    admin_user.language = "es"
    admin_user.save()
    Subscription.objects.create(user=admin_user, mailing_list=MailingList.PRODUCT_UPDATES)
    page = signed_in(admin_user).get(PROFILE).content.decode()
    assert html_element(page, "input", name="name", value=admin_user.name)
    assert html_element(page, "option", value="es", selected=None)
    assert html_element(page, "input", name="mailing_lists", value="product_updates", checked=None)
    assert not html_elements(page, "input", name="mailing_lists", value="technical_announcements", checked=None)
    assert admin_user.email in page


def test_every_field_has_a_label_and_the_lists_are_a_fieldset_with_a_legend(admin_user):
    page = signed_in(admin_user).get(PROFILE).content.decode()
    for field_id in ["id_name", "id_language"]:
        assert html_element(page, "label", **{"for": field_id})
    [fieldset] = [node for node in html_elements(page, "fieldset") if "mailing_lists" in str(node)]
    assert "Mailing lists" in str(html_element(str(fieldset), "legend"))
    for n, value in enumerate(LISTS):
        box = {"type": "checkbox", "name": "mailing_lists", "value": value, "id": f"id_mailing_lists_{n}"}
        assert html_element(str(fieldset), "input", **box)  # inside the fieldset its legend names
        assert html_element(page, "label", **{"for": f"id_mailing_lists_{n}"})
    assert [button for button in html_elements(page, "button", type="submit") if "Save profile" in str(button)]


def test_saving_changes_the_name_the_language_and_the_lists(admin_user):
    client = signed_in(admin_user)
    response = client.post(
        PROFILE, {"name": "Ana Admin", "language": "es", "mailing_lists": LISTS, "email": "evil@x.example"}, follow=True
    )
    assert response.redirect_chain == [(PROFILE, 302)]
    assert "Your profile was saved." in [str(message) for message in response.context["messages"]]
    admin_user.refresh_from_db()
    assert (admin_user.name, admin_user.language) == ("Ana Admin", "es")
    assert admin_user.email != "evil@x.example"  # the address is not the profile's to change
    assert subscribed(admin_user) == sorted(LISTS)


def test_unticking_a_list_leaves_it_and_keeps_the_others_as_they_were(admin_user):
    kept = Subscription.objects.create(user=admin_user, mailing_list=MailingList.TECHNICAL_ANNOUNCEMENTS)
    Subscription.objects.create(user=admin_user, mailing_list=MailingList.PRODUCT_UPDATES)
    client = signed_in(admin_user)
    client.post(PROFILE, {"name": "", "language": "en", "mailing_lists": [MailingList.TECHNICAL_ANNOUNCEMENTS]})
    assert list(admin_user.subscriptions.all()) == [kept]
    client.post(PROFILE, {"name": "", "language": "en"})
    assert subscribed(admin_user) == []


def test_only_their_own_subscriptions_change(admin_user, editor):
    Subscription.objects.create(user=editor, mailing_list=MailingList.PRODUCT_UPDATES)
    signed_in(admin_user).post(PROFILE, {"name": "", "language": "en"})
    assert subscribed(editor) == [MailingList.PRODUCT_UPDATES]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "Ana", "language": "klingon"}, "language"),
        ({"name": "Ana", "language": "en", "mailing_lists": ["spam"]}, "mailing_lists"),
        ({"name": "Ana\u202eNIMDA", "language": "en"}, "name"),
    ],
)
def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(admin_user, data, field):
    response = signed_in(admin_user).post(PROFILE, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert 'role="alert"' in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.name != "Ana" and admin_user.language == "en" and subscribed(admin_user) == []


def test_the_header_links_to_the_profile(complete_partner, admin_user):
    page = signed_in(admin_user).get(reverse("portal:dashboard")).content.decode()
    assert html_element(page, "a", href=PROFILE)


def test_the_profile_stays_reachable_while_contact_information_is_incomplete(partner, admin_user):
    assert partner.missing_sandbox  # the gate holds every portal page
    response = signed_in(admin_user).get(PROFILE)
    assert response.status_code == 200
    assert html_element(response.content.decode(), "a", href=PROFILE, aria_current="page")


def test_an_operator_without_a_partner_has_a_profile_too(db):
    make_partner()
    operator = User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)
    client = signed_in(operator)
    assert client.get(PROFILE).status_code == 200
    client.post(PROFILE, {"name": "Olga", "language": "es", "mailing_lists": [MailingList.PRODUCT_UPDATES]})
    operator.refresh_from_db()
    assert (operator.name, operator.language, subscribed(operator)) == ("Olga", "es", ["product_updates"])

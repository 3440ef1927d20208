"""Names cannot hide behind invisible characters: bidi overrides and zero-width spaces are refused."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from partners.models import Partner, Role
from partners.services import invitation_create
from tests.helpers import PASSWORD, admin_of, make_partner

DISGUISES = ["Ana\u202eNIMDA", "Ana\u200bAdmin", "\u2066Ana\u2069", "Ana\u200d", "\ufeffAna"]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", DISGUISES)
def test_the_invitation_form_refuses_a_disguised_name_and_keeps_what_was_typed(name, sent):
    partner = make_partner()
    with sent() as outbox:
        invitation_create(partner=partner, email="nina@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    path = outbox[-1].body.split("http://")[1].split(maxsplit=1)[0].partition("/")[2]
    response = Client().post(f"/{path}", {"name": name, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200
    assert "invisible formatting characters" in " ".join(response.context["form"].errors["name"])
    assert response.context["form"]["name"].value() == name
    assert not User.objects.filter(email="nina@elsewhere.example").exists()


@pytest.mark.parametrize("name", DISGUISES)
def test_user_and_partner_names_are_validated(name):
    with pytest.raises(ValidationError) as user_error:
        User(email="x@y.example", name=name).full_clean(exclude=["password", "email_canonical", "email_skeleton"])
    assert list(user_error.value.message_dict) == ["name"]
    with pytest.raises(ValidationError) as partner_error:
        Partner(name=name, integration="appointments").full_clean()
    assert list(partner_error.value.message_dict) == ["name"]


def test_createpartner_refuses_a_disguised_partner_name():
    with pytest.raises(CommandError, match="invisible formatting"):
        call_command(
            "createpartner", "Acme\u202eBookings", integration="appointments", admin="a@b.example", stdout=StringIO()
        )
    assert not Partner.objects.exists()


def test_ordinary_names_in_any_script_are_accepted():
    for name in ["Ana María Núñez", "Zoë O'Brien-Smith", "李小龙", "مريم", "Łukasz"]:
        User(email="x@y.example", name=name).full_clean(exclude=["password", "email_canonical", "email_skeleton"])


def test_contact_names_refuse_disguises_too(partner, admin_user):
    from contacts.models import Contact

    with pytest.raises(ValidationError) as error:
        Contact(email="help@acme.example", name="Acme \u202eevil", category="shared").full_clean(
            exclude=["contact_information"]
        )
    assert list(error.value.message_dict) == ["name"]

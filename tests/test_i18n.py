"""English and Spanish: a complete catalogue, and pages with no English left in Spanish."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.helpers import ENGLISH_WORDS, contact_form_data, signed_in, visible_text

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_the_spanish_catalogue_is_complete_and_not_fuzzy():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="es")
    entries = [m for m in catalogue if m.id]
    assert len(entries) > 250
    assert [m.id for m in entries if m.fuzzy] == []
    untranslated = [m.id for m in entries if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []


def test_the_compiled_catalogue_is_used():
    with translation.override("es"):
        assert str(translation.gettext("Contact information")) == "Información de contacto"


@pytest.mark.parametrize(
    "language,expected", [("en", "Contact information required"), ("es", "Información de contacto obligatoria")]
)
def test_the_modal_speaks_the_chosen_language(partner, admin_user, language, expected):
    client = signed_in(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("contacts:onboarding")).content.decode()
    assert f'<html lang="{language}">' in page
    assert expected in page


def test_no_english_left_on_the_spanish_modal_its_errors_and_users_tab(partner, admin_user):
    client = spanish(signed_in(admin_user))
    data = contact_form_data(
        operator=[{"email": "not-an-email", "phone": "12"}],
        shared={},
        windows=[{"start": "10:00", "end": "09:00", "time_zone": "Mars/X"}],
    )
    response = client.post(reverse("contacts:onboarding"), data)
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    text = visible_text(response.content.decode())
    leftovers = {m.group(0).lower() for m in ENGLISH_WORDS.finditer(text)}
    assert leftovers == set(), leftovers
    assert "Información de contacto" in text and "Usuarios" in text


def test_no_english_left_on_spanish_settings(partner, admin_user):
    from tests.helpers import complete_contacts

    complete_contacts(partner, alerts=[admin_user])
    client = spanish(signed_in(admin_user))
    for name in [
        "contacts:edit",
        "portal:users",
        "portal:dashboard",
        "portal:activity",
        "portal:help",
        "api_keys:list",
    ]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert '<html lang="es">' in response.content.decode(), name
        text = visible_text(response.content.decode())
        assert len(text.split()) > 20, name  # a real page, in Spanish
        leftovers = {m.group(0).lower() for m in ENGLISH_WORDS.finditer(text)}
        assert leftovers == set(), (name, leftovers)


def test_the_language_switch_works_from_the_modal(partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("contacts:onboarding")})
    assert response.status_code == 302
    assert "Información de contacto obligatoria" in client.get(reverse("contacts:onboarding")).content.decode()


def test_a_members_language_switch_is_also_the_language_of_their_emails(partner, admin_user, client):
    signed_in(admin_user).post(reverse("set_language"), {"language": "es", "next": "/"})
    admin_user.refresh_from_db()
    assert admin_user.language == "es"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})  # signed out: only the cookie
    admin_user.refresh_from_db()
    assert admin_user.language == "es"
    signed_in(admin_user).post(reverse("set_language"), {"language": "xx", "next": "/"})
    admin_user.refresh_from_db()
    assert admin_user.language == "es"

"""Spanish in one register: the portal says *tú*, and so do Django's and the phone library's messages we show."""

import ast
import re
from pathlib import Path

import django
import phonenumber_field
import pytest
from babel.messages.mofile import read_mo
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from partners.services import password_set_path
from tests.helpers import PASSWORD, contact_form_data, signed_in, visible_text

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.mo"
OVERRIDES = Path(settings.BASE_DIR) / "accounts" / "translations.py"
DJANGO = Path(django.__file__).parent
UPSTREAM = [
    DJANGO / "conf" / "locale" / "es" / "LC_MESSAGES" / "django.mo",
    DJANGO / "contrib" / "auth" / "locale" / "es" / "LC_MESSAGES" / "django.mo",
    Path(phonenumber_field.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.mo",
]
# Messages only the Django admin shows, to operators: their Spanish is Django's own.
ADMIN_ONLY = {
    "Conflicting form data submitted. Please try again.",
    "Designates whether this user should be treated as active. Unselect this instead of deleting accounts.",
    "Enable password-based authentication for this user by setting a password.",
}

# Forms that only *usted* takes. Lower-case verbs are left out where a third-person subjunctive reads the same
# ("pídele que te envíe", "hasta que se vuelva a habilitar"), and "su"/"sus" only before what a reader owns
# ("sus contactos" is the partner's).
USTED = re.compile(
    r"\busted(es)?\b|\bUds?\.|"
    r"\b[Ss]us? (contraseña|navegador|cuenta|correo|dirección|información|nombre|perfil|otra)\b|"
    r"\b(Introduzca|Introduza|Ingrese|Asegúrese|Escoja|Elija|Seleccione|Envíe|Corrija|Compruebe|Vuelva|Inténtelo|"
    r"Escriba|Observe|Desmarque|Habilite|Pulse|Haga|Proporcione|Verifique|Revise|Indique|Elimine|Agregue|Añada|"
    r"Guarde|Cambie|Utilice|Tenga|Espere|Contacte|Póngase|Consulte|Recuerde|Marque|Acceda)\b|"
    r"\b(introduzca|ingrese|asegúrese|escoja|inténtelo|elimínelos|habilítelos)\b|"
    r"\b(le preocupa|[Ss]i ha configurado|es posible que deba)\b|"
    r"Por favor,? (introduzca|ingrese|vuelva|envíe|corrija|intente|seleccione|elija|escoja)"
)


def usted_forms(text):
    """The usted forms in `text`."""
    return [match.group(0) for match in USTED.finditer(text)]


def strings(value):
    """A message's translation(s): one string, or one per plural form."""
    return [value] if isinstance(value, str) else list(value)


def spanish_client(client=None):
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def spanish_page(response):
    """The visible text of a Spanish page, checked to be in Spanish and free of usted."""
    html = response.content.decode()
    assert '<html lang="es">' in html
    text = visible_text(html)
    assert usted_forms(text) == [], text
    return text


@pytest.mark.parametrize(
    "text",
    [
        "Su contraseña no puede ser completamente numérica.",
        "Introduzca una dirección de correo electrónico válida.",
        "Asegúrese de que este valor tenga menos de 200 caracteres.",
        "Por favor, introduzca un nombre de usuario y clave correctos.",
        "Escoja una opción válida.",
        "Ingrese un número de teléfono válido (ej.: 201-555-0123).",
        "Si ha configurado su navegador para deshabilitar las cookies, vuelva a habilitarlas.",
        "Para verificar, introduzca la misma contraseña anterior.",
    ],
)
def test_the_check_recognises_usted(text):
    assert usted_forms(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tu contraseña no puede tener solo números.",
        "Ingresa una dirección de correo electrónico válida.",
        "Pídele a la persona que te invitó que te envíe una nueva invitación.",
        "Sus contactos técnicos de emergencia reciben un correo.",
        "Tus usuarios no pueden reservar hasta que se vuelva a habilitar.",
    ],
)
def test_the_check_lets_tu_through(text):
    assert usted_forms(text) == []


def test_the_compiled_catalogue_speaks_tu_only():
    with CATALOGUE.open("rb") as f:
        catalogue = read_mo(f)
    found = {str(m.id): usted_forms(s) for m in catalogue if m.id for s in strings(m.string) if usted_forms(s)}
    assert found == {}


def effective_spanish(message):
    """What a Spanish page shows for an upstream message, through every catalogue, ours first."""
    if isinstance(message.id, str):
        if message.context:
            return [translation.pgettext(message.context, message.id)]
        return [translation.gettext(message.id)]
    singular, plural = message.id[:2]
    if message.context:
        return [translation.npgettext(message.context, singular, plural, n) for n in (1, 2, 1000000)]
    return [translation.ngettext(singular, plural, n) for n in (1, 2, 1000000)]


def upstream_usted_messages():
    for path in UPSTREAM:
        with path.open("rb") as f:
            for message in read_mo(f):
                if message.id and any(usted_forms(s) for s in strings(message.string)):
                    yield path, message


def test_no_usted_message_of_django_or_the_phone_library_reaches_a_partner():
    upstream = list(upstream_usted_messages())
    assert len(upstream) > 40  # the check reads the real catalogues
    with translation.override("es"):
        left = {
            str(message.id): spanish
            for _path, message in upstream
            if str(message.id) not in ADMIN_ONLY
            for spanish in effective_spanish(message)
            if usted_forms(spanish)
        }
    assert left == {}


def marked_messages():
    """(context, msgid, plural) for every message accounts/translations.py marks, read without importing it."""
    tree = ast.parse(OVERRIDES.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [arg.value for arg in node.args]
            if node.func.id == "gettext_noop":
                yield None, args[0], None
            elif node.func.id == "ngettext_lazy":
                yield None, args[0], args[1]
            elif node.func.id == "pgettext_lazy":
                yield args[0], args[1], None


def test_every_marked_message_is_upstreams_exactly_and_translated_in_our_catalogue():
    upstream = set()
    for path in UPSTREAM:
        with path.open("rb") as f:
            for message in read_mo(f):
                if message.id:
                    ids = (message.id, None) if isinstance(message.id, str) else tuple(message.id[:2])
                    upstream.add((message.context, *ids))
    with CATALOGUE.open("rb") as f:
        ours = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in read_mo(f) if m.id}
    marked = list(marked_messages())
    assert len(marked) > 60
    assert [m for m in marked if m not in upstream] == []
    assert [m for m in marked if not all(strings(ours.get((m[0], m[1]), "")))] == []


def test_sign_in_errors_speak_tu(admin_user):
    client = spanish_client()
    wrong = spanish_page(client.post(reverse("login"), {"username": admin_user.email, "password": "not-it"}))
    assert "No reconocemos esa combinación de dirección de correo electrónico y contraseña" in wrong
    blank = spanish_page(client.post(reverse("login"), {"username": "", "password": ""}))
    assert "Este campo es obligatorio." in blank
    invalid = spanish_page(client.post(reverse("login"), {"username": "not-an-address", "password": "x"}))
    assert "Ingresa una dirección de correo electrónico válida." in invalid


def test_the_sign_in_pause_speaks_tu(admin_user):
    for _attempt in range(5):
        response = spanish_client().post(reverse("login"), {"username": admin_user.email, "password": "not-it"})
    assert response.status_code == 429
    assert "Demasiados intentos de inicio de sesión" in spanish_page(response)


def test_password_reset_speaks_tu(db):
    client = spanish_client()
    assert "Ingresa tu dirección de correo electrónico" in spanish_page(client.get(reverse("password_reset")))
    invalid = spanish_page(client.post(reverse("password_reset"), {"email": "not-an-address"}))
    assert "Ingresa una dirección de correo electrónico válida." in invalid


def test_choosing_a_password_speaks_tu(admin_user):
    client = spanish_client()
    form = client.get(password_set_path(admin_user), follow=True)
    url = form.redirect_chain[-1][0]
    text = spanish_page(form)
    assert "Tu contraseña debe tener al menos 8 caracteres." in text
    assert "Tu contraseña no puede tener solo números." in text
    mismatch = spanish_page(client.post(url, {"new_password1": PASSWORD, "new_password2": PASSWORD + "x"}))
    assert "Las dos contraseñas no coinciden." in mismatch
    weak = spanish_page(client.post(url, {"new_password1": "12345678", "new_password2": "12345678"}))
    assert "Esta contraseña es demasiado común." in weak and "Esta contraseña tiene solo números." in weak
    short = spanish_page(client.post(url, {"new_password1": "x7-Q", "new_password2": "x7-Q"}))
    assert "Esta contraseña es demasiado corta. Debe tener al menos 8 caracteres." in short
    similar = admin_user.email
    like_email = spanish_page(client.post(url, {"new_password1": similar, "new_password2": similar}))
    assert "La contraseña se parece demasiado a tu dirección de correo electrónico." in like_email


def test_changing_a_password_speaks_tu(admin_user):
    client = spanish_client(signed_in(admin_user))
    data = {"old_password": "not-it", "new_password1": "a-Fresh-passw0rd", "new_password2": "a-Fresh-passw0rd"}
    text = spanish_page(client.post(reverse("password_change"), data))
    assert "La contraseña actual que ingresaste no es correcta. Vuelve a ingresarla." in text


def test_the_contact_form_errors_speak_tu(partner, admin_user):
    client = spanish_client(signed_in(admin_user))
    data = contact_form_data(
        technical_emergency=[{"email": "not-an-email", "phone": "12", "name": "x" * 300}],
        shared={"email": ""},
        windows=[{"start": "soon", "end": "09:00", "time_zone": "Mars/X"}],
    )
    response = client.post(reverse("contacts:onboarding"), data)
    assert response.status_code == 200
    text = spanish_page(response)
    assert "Ingresa" in text  # errors are there, in Spanish


def test_django_validators_speak_tu_in_any_form():
    from django import forms

    class Anything(forms.Form):
        email = forms.EmailField()
        name = forms.CharField(max_length=3)
        count = forms.IntegerField(max_value=5)
        kind = forms.ChoiceField(choices=[("a", "A")])
        url = forms.URLField()

    with translation.override("es"):
        form = Anything({"email": "nope", "name": "long", "count": "9", "kind": "b", "url": "nope"})
        errors = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    assert errors == {
        "email": ["Ingresa una dirección de correo electrónico válida."],
        "name": ["Asegúrate de que este valor tenga como máximo 3 caracteres (tiene 4)."],
        "count": ["Asegúrate de que este valor sea menor o igual que 5."],
        "kind": ["Elige una opción válida. b no es una de las opciones disponibles."],
        "url": ["Ingresa una URL válida."],
    }


def test_the_phone_librarys_messages_speak_tu():
    from django.core.exceptions import ValidationError
    from phonenumber_field.formfields import PhoneNumberField

    with translation.override("es"):
        with pytest.raises(ValidationError) as error:
            PhoneNumberField(region="ES").clean("12")
        [message] = error.value.messages  # lazy: read in Spanish
    assert message.startswith("Ingresa un número de teléfono válido (p. ej., ")
    assert message.endswith(") o un número con prefijo internacional.")
    with translation.override("es"):
        international = translation.pgettext(
            "{example_number} is an international phone number.", "Enter a valid phone number (e.g. {example_number})."
        )
    assert international == "Ingresa un número de teléfono válido (p. ej., {example_number})."


def test_a_refused_form_submission_speaks_tu(db):
    client = spanish_client(Client(enforce_csrf_checks=True))
    response = client.post(reverse("login"), {"username": "a@example.com", "password": "x"})
    assert response.status_code == 403
    text = visible_text(response.content.decode())
    assert "Falló la verificación CSRF" in text
    assert usted_forms(text) == []

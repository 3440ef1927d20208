"""Settings › Activity keeps data and words it in the reader's language: weekdays, 24/7, roles and statuses."""

from datetime import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contacts.history import changes_since, contact_changes
from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.services import contact_information_reconcile
from partners.models import Activity, Partner
from tests.helpers import contact_form_data, signed_in, visible_text

URL = reverse("portal:activity")


def reader(user, language):
    client = signed_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page_text(user, language):
    response = reader(user, language).get(URL)
    assert response.status_code == 200
    return response.content.decode(), visible_text(response.content.decode())


def record_change(partner, change):
    """Apply `change` to the partner's contact information and record it as the operators' reconcile does."""
    info = ContactInformation.objects.get(partner=partner)
    before = info.as_dict()
    change(info)
    operator = User.objects.create_superuser(email=f"op{User.objects.count()}@portal.example", password="x-Op3r-pass")
    contact_information_reconcile(partner=partner, operator=operator, before=before)
    return Activity.objects.filter(partner=partner, action=Activity.Action.CONTACTS_UPDATED).first()


def add_weekend_window(info):
    SupportWindow.objects.create(
        contact_information=info, days=0b1100000, start=time(22), end=time(2), overnight=True, time_zone="Asia/Tokyo"
    )


def test_snapshots_are_data_whatever_the_language_of_the_person_saving(complete_partner):
    info = ContactInformation.objects.get(partner=complete_partner)
    Contact.objects.filter(contact_information=info, category="operator").update(
        name="Ana", phone="+34612345678", url="https://acme.example/help", language="es"
    )
    with translation.override("es"):
        spanish = info.as_dict()
    with translation.override("en"):
        english = info.as_dict()
    assert spanish == english
    window = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00", "overnight": False}
    assert english["support_hours"] == {"support_24_7": False, "windows": [{**window, "time_zone": "Europe/Madrid"}]}
    assert english["operator"] == [
        {
            "email": "operator0@acme.example",
            "name": "Ana",
            "phone": "+34612345678",
            "url": "https://acme.example/help",
            "language": "es",
        }
    ]
    assert english["alert"] == [complete_partner.memberships.get().user.email]
    # One key per category code, so each category's last change can be found by comparing snapshots.
    assert set(english) == {"alert", "technical_emergency", "technical_non_emergency", "merchant_issues"} | {
        "operator",
        "shared",
        "support_hours",
    }


def test_a_window_saved_by_a_spanish_speaker_reads_in_english_to_an_english_reader(complete_partner, admin_user):
    with translation.override("es"):
        activity = record_change(complete_partner, add_weekend_window)
    assert "Sábado" not in str(activity.after) and "Saturday" not in str(activity.after)
    html, text = page_text(admin_user, "en")
    assert "<ins>Saturday, Sunday 22:00–02:00 Asia/Tokyo, ends the next day</ins>" in html
    assert "Sábado" not in text and "Lunes" not in text
    html, text = page_text(admin_user, "es")
    assert "<ins>Sábado, domingo 22:00–02:00 Asia/Tokyo, termina al día siguiente</ins>" in html
    assert "Saturday" not in text


def test_runs_of_days_are_shortened_and_every_day_is_named(complete_partner, admin_user):
    def change(info):
        info.support_windows.update(days=0b1111111)

    record_change(complete_partner, change)
    html, _text = page_text(admin_user, "en")
    assert "<del>Monday–Friday 09:00–17:00 Europe/Madrid</del>" in html
    assert "<ins>Every day 09:00–17:00 Europe/Madrid</ins>" in html
    html, _text = page_text(admin_user, "es")
    assert "<del>De lunes a viernes 09:00–17:00 Europe/Madrid</del>" in html
    assert "<ins>Todos los días 09:00–17:00 Europe/Madrid</ins>" in html


def test_24_7_is_a_flag_shown_as_an_entry_of_the_support_hours(complete_partner, admin_user):
    def change(info):
        info.support_windows.all().delete()
        ContactInformation.objects.filter(pk=info.pk).update(support_24_7=True)

    activity = record_change(complete_partner, change)
    assert activity.after["support_hours"] == {"support_24_7": True, "windows": []}
    html, _text = page_text(admin_user, "en")
    assert "<ins>24/7</ins>" in html
    assert "<del>Monday–Friday 09:00–17:00 Europe/Madrid</del>" in html
    with translation.override("es"):
        [(label, removed, added)] = contact_changes(activity.before, activity.after)
        assert (str(label), removed, added) == (
            "Horario de asistencia operacional",
            ["De lunes a viernes 09:00–17:00 Europe/Madrid"],
            ["24/7"],
        )


def test_contacts_show_their_phone_in_international_format_and_language_in_words(complete_partner, admin_user):
    def change(info):
        Contact.objects.filter(contact_information=info, category="operator").update(
            name="Ana", phone="+34612345678", language="es"
        )

    record_change(complete_partner, change)
    html, _text = page_text(admin_user, "en")
    assert "<del>operator0@acme.example</del>" in html
    assert "<ins>Ana &lt;operator0@acme.example&gt; +34 612 34 56 78 [Spanish]</ins>" in html
    html, _text = page_text(admin_user, "es")
    assert "<ins>Ana &lt;operator0@acme.example&gt; +34 612 34 56 78 [Español]</ins>" in html


def test_a_category_that_did_not_change_is_not_listed(complete_partner):
    activity = record_change(complete_partner, add_weekend_window)
    assert [str(label) for label, _removed, _added in contact_changes(activity.before, activity.after)] == [
        "Operational support hours"
    ]


def test_entries_recorded_as_text_before_still_render(complete_partner, admin_user):
    old = {
        "version": 3,
        "alert": ["admin@acme.example"],
        "operator": ["Ana <ana@acme.example> +34 612 34 56 78 [es]"],
        "support_hours": ["Lunes, Martes 09:00–17:00 (+1) Europe/Madrid"],
    }
    new = {
        "version": 4,
        "alert": ["admin@acme.example"],
        "operator": ["ana@acme.example"],
        "support_hours": ["24/7"],
    }
    Activity.objects.create(
        partner=complete_partner, actor=admin_user, action=Activity.Action.CONTACTS_UPDATED, before=old, after=new
    )
    html, _text = page_text(admin_user, "en")
    assert "<del>Ana &lt;ana@acme.example&gt; +34 612 34 56 78 [es]</del>" in html
    assert "<ins>ana@acme.example</ins>" in html
    assert "<del>Lunes, Martes 09:00–17:00 (+1) Europe/Madrid</del>" in html
    assert "<ins>24/7</ins>" in html
    assert "Alert contacts" not in visible_text(html)  # unchanged, so not listed


def test_the_conflict_panel_words_a_colleagues_save_in_the_readers_language(complete_partner):
    with translation.override("es"):
        record_change(complete_partner, add_weekend_window)
    with translation.override("en"):
        [(_activity, changes)] = changes_since(complete_partner, 0)
        assert changes[0][2] == ["Saturday, Sunday 22:00–02:00 Asia/Tokyo, ends the next day"]


def test_describe_speaks_the_active_language(complete_partner):
    window = SupportWindow.objects.get(contact_information__partner=complete_partner)
    with translation.override("es"):
        assert window.describe() == "De lunes a viernes 09:00–17:00 Europe/Madrid"
    with translation.override("en"):
        assert str(window) == "Monday–Friday 09:00–17:00 Europe/Madrid"


@pytest.mark.parametrize(
    "language,old,new", [("en", "Editor", "Viewer"), ("es", "Editor", "Lector")], ids=["english", "spanish"]
)
def test_roles_show_their_labels_never_their_codes(complete_partner, admin_user, language, old, new):
    Activity.objects.create(
        partner=complete_partner,
        actor=admin_user,
        action=Activity.Action.MEMBER_ROLE_CHANGED,
        subject="eddie@acme.example",
        before={"role": "editor"},
        after={"role": "viewer"},
    )
    Activity.objects.create(
        partner=complete_partner,
        actor=admin_user,
        action=Activity.Action.INVITATION_SENT,
        subject="new@acme.example",
        after={"role": "admin"},
    )
    html, text = page_text(admin_user, language)
    assert f"<del>{old}</del>" in html and f"<ins>{new}</ins>" in html
    assert "<ins>Admin</ins>" in html or "<ins>Administrador</ins>" in html
    assert "viewer" not in text.split() and "admin" not in text.split()


def test_statuses_and_unknown_actions_are_labels_never_codes(complete_partner, admin_user):
    Activity.objects.create(
        partner=complete_partner,
        action=Activity.Action.PARTNER_DISABLED,
        actor_label="operator:op@portal.example",
        before={"status": Partner.Status.LAUNCHED},
        after={"status": Partner.Status.DISABLED, "reason": "Bookings fail"},
    )
    Activity.objects.create(partner=complete_partner, action="contacts.something_new", subject="x@acme.example")
    html, text = page_text(admin_user, "es")
    assert "<del>Lanzado</del>" in html and "<ins>Inhabilitado</ins>" in html
    assert "<ins>Bookings fail</ins>" in html
    assert "Integración inhabilitada" in text
    assert "launched" not in text and "disabled" not in text
    assert "contacts.something_new" not in text and "Otro cambio" in text


def test_a_save_through_the_form_is_recorded_as_data_and_listed(partner, admin_user):
    client = reader(admin_user, "es")
    response = client.post(
        reverse("contacts:onboarding"),
        contact_form_data(operator=[{"email": "first@acme.example", "phone": "+34 612 34 56 78"}]),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(partner=partner, action=Activity.Action.CONTACTS_UPDATED)
    assert activity.after["operator"][0]["phone"] == "+34612345678"
    assert activity.after["support_hours"]["windows"][0]["days"] == [0, 1, 2, 3, 4]
    html, _text = page_text(admin_user, "en")
    assert "<ins>first@acme.example +34 612 34 56 78</ins>" in html
    assert "<ins>Monday–Friday 09:00–17:00 America/New_York</ins>" in html

"""Settings › Activity lists every change: who, when, before and after."""

from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from partners.models import Activity
from tests.helpers import complete_contacts, contact_form_data, make_member, make_partner, signed_in

URL = reverse("portal:activity")


def test_contact_changes_are_listed_with_before_and_after(partner, admin_user):
    client = signed_in(admin_user)
    client.post(reverse("contacts:onboarding"), contact_form_data(operator=["first@acme.example"]))
    page = client.get(URL).content.decode()
    assert "Contact information updated" in page
    assert "<ins>first@acme.example</ins>" in page
    assert admin_user.name in page


def test_names_are_escaped(partner, admin_user):
    complete_contacts(partner)
    evil = make_member(partner, name='<script>alert("x")</script>')
    Activity.objects.create(partner=partner, actor=evil, action=Activity.Action.MEMBER_ADDED, subject="<b>x</b>")
    response = signed_in(admin_user).get(URL)
    assert response.status_code == 200
    assertContains(response, escape(evil.name))
    assertContains(response, escape("<b>x</b>"))
    assertNotContains(response, "<script>alert")
    assertNotContains(response, "<b>x</b>")


def test_only_this_partners_activity_is_shown(partner, admin_user):
    complete_contacts(partner)
    other = make_partner()
    Activity.objects.create(partner=other, action=Activity.Action.MEMBER_ADDED, subject="secret@other.example")
    Activity.objects.create(partner=partner, action=Activity.Action.MEMBER_ADDED, subject="ours@acme.example")
    response = signed_in(admin_user).get(URL)
    assert response.status_code == 200
    assertContains(response, "ours@acme.example", count=1)
    assertNotContains(response, "secret@other.example")


def test_operators_member_changes_in_the_admin_are_recorded_under_their_name(complete_partner, admin_user, editor):
    partner = complete_partner
    from django.urls import reverse

    from accounts.models import User
    from partners.models import Membership

    operator = User.objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")
    staff = signed_in(operator)
    membership = Membership.objects.get(user=editor)
    url = reverse("admin:partners_membership_change", args=[membership.pk])
    assert staff.post(url, {"user": editor.pk, "partner": partner.pk, "role": "viewer"}).status_code == 302
    assert (
        staff.post(reverse("admin:partners_membership_delete", args=[membership.pk]), {"post": "yes"}).status_code
        == 302
    )
    entries = list(
        Activity.objects.filter(partner=partner).order_by("id").values_list("action", "actor_label", "before", "after")
    )[-2:]
    assert entries == [
        (Activity.Action.MEMBER_ROLE_CHANGED, "operator:op@portal.example", {"role": "editor"}, {"role": "viewer"}),
        (Activity.Action.MEMBER_REMOVED, "operator:op@portal.example", {"role": "viewer"}, {}),
    ]
    page = signed_in(admin_user).get(reverse("portal:activity"))
    assert "Operator (op@portal.example)" in page.content.decode()

"""Settings › Users and the modal's Users tab at their floor: a page of members costs the same queries whatever the
partner's size, and its rows, drawn once per kind of row and filled in per member, are the rows the partial draws."""

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.paginator import Paginator
from django.db import connection
from django.template import Context, engines
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contacts.services import alert_contact_ids
from partners.forms import InvitationForm
from partners.models import Membership, Role
from partners.panels import MEMBER_ROW, MEMBERS_PER_PAGE, StampedRows, members_page
from partners.services import invitation_create
from tests.helpers import admin_of, complete_contacts, make_member, make_partner, signed_in

pytestmark = pytest.mark.django_db

USERS = reverse("portal:users")
MODAL = reverse("contacts:onboarding")
WHEN = datetime(2026, 3, 4, 15, 6, tzinfo=UTC)


def add_crowd(partner, count, role=Role.VIEWER):
    """`count` new members at once (bulk_create skips save(): each user is prepared as a form would)."""
    password = make_password(None)
    users = [User(email=f"m{i:04d}@crowd.example", name=f"Member {i % 7}", password=password) for i in range(count)]
    for user in users:
        user.clean()
    users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(Membership(user=user, partner=partner, role=role) for user in users)


def session_queries():
    """The session's query: none when sessions are read from the cache (REDIS_URL)."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


def captured(client, url):
    """The queries of a warm GET (the second: fragment caches filled)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


class TestQueries:
    def test_the_users_page_reads_members_and_invitations_in_one_query_each(self, complete_partner, admin_user):
        invitation_create(partner=complete_partner, email="new@acme.example", role=Role.EDITOR, inviter=admin_user)
        client = signed_in(admin_user)
        queries = captured(client, USERS)
        # The session, the user, the current membership; then the page: its members, its invitations.
        assert len(queries) == session_queries() + 4
        panel = queries[-2:]
        assert "member_count" in panel[0] and "is_alert_contact" in panel[0]
        assert 'FROM "partners_invitation"' in panel[1]
        assert not any('COUNT(*) AS "__count"' in sql for sql in queries)
        assert not any('FROM "contacts_contactinformation"' in sql.split(" WHERE ")[0] for sql in queries)
        assert not any('INNER JOIN "contacts_contactinformation_alert_contacts"' in sql for sql in queries)

    def test_the_users_page_costs_the_same_queries_with_1_or_200_members(
        self, complete_partner, admin_user, django_assert_num_queries
    ):
        client = signed_in(admin_user)
        client.get(USERS)
        # The session, the user, the current membership, the members (no invitation is pending: not asked for)
        with django_assert_num_queries(session_queries() + 3):
            client.get(USERS)
        add_crowd(complete_partner, 199)
        with django_assert_num_queries(session_queries() + 3):
            response = client.get(USERS)
        assert response.context["members"].paginator.num_pages == 4

    def test_the_modal_costs_the_same_queries_with_1_or_200_members(
        self, partner, admin_user, django_assert_num_queries
    ):
        invitation_create(partner=partner, email="new@acme.example", role=Role.EDITOR, inviter=admin_user)
        client = signed_in(admin_user)
        alone = captured(client, MODAL)
        # The Users tab adds two: its members (with their count) and its invitations.
        assert sum("member_count" in sql or 'FROM "partners_invitation"' in sql for sql in alone) == 2
        assert not any('COUNT(*) AS "__count" FROM "partners_membership"' in sql for sql in alone)
        add_crowd(partner, 199)
        client.get(MODAL)  # the alert contacts' picker shows other members: its cached form body is drawn anew
        with django_assert_num_queries(len(alone)):
            client.get(MODAL)


@pytest.fixture
def crowd_partner(db):
    """A partner with 120 members: pages of 50, 50 and 20."""
    partner = make_partner("Crowd")
    add_crowd(partner, 119)
    return partner


@pytest.mark.parametrize(
    "number",
    [None, "", "1", "2", "3", "4", "99", "0", "-1", "abc", "2.0", " 2 ", "٣", "+2", "99999999999999999999999"],
)
def test_any_page_number_gives_the_page_paginator_get_page_gives(crowd_partner, number):
    admin = admin_of(crowd_partner)
    ordered = crowd_partner.memberships.order_by("user__name", "user__email", "pk")
    expected = Paginator(ordered, MEMBERS_PER_PAGE).get_page(number)
    page = members_page(crowd_partner, number, viewer=admin, alert_contacts=alert_contact_ids(crowd_partner))
    assert (page.number, page.paginator.num_pages) == (expected.number, 3)
    assert [row.pk for row in page] == [membership.pk for membership in expected]


@pytest.fixture
def varied_partner(db):
    """Every kind of row: an Admin (you), alert contacts, no name, a last sign-in, names that need escaping."""
    partner = make_partner("O'Brien & Sons <Travel> {x}")
    admin = admin_of(partner)
    editor = make_member(partner, Role.EDITOR, email="o'neil@example.com", name="Eddie O'Editor")
    make_member(partner, Role.VIEWER, email="vera+x@example.com")
    make_member(partner, Role.ADMIN, email="odd@example.com", name='<b>Odd</b> & "Co" {0} %(user)s')
    ana = make_member(partner, Role.VIEWER, email="ana@example.com", name="Ana")
    make_member(partner, Role.VIEWER, email="ben@example.com", name="Ben")  # like Ana, but not an alert contact
    complete_contacts(partner, alerts=[admin, editor, ana])
    User.objects.filter(email__in=["o'neil@example.com", "odd@example.com"]).update(last_login=WHEN)
    return partner


def rows_both_ways(partner, viewer, *, back_to="/onboarding/?next=/a%26b&x=<1>#panel-users"):
    """The members' rows stamped (StampedRows) and drawn by the partial one member at a time, in one context."""
    request = RequestFactory().get(USERS)
    request.user = viewer
    request.membership = Membership.objects.select_related("partner").get(partner=partner, user=viewer)
    page = members_page(partner, None, viewer=viewer, alert_contacts=alert_contact_ids(partner))
    engine = engines["django"].engine
    template = engine.from_string(
        '{% for member in rows %}{% include "' + MEMBER_ROW + '" %}{% endfor %}\x01{% include stamped %}'
    )
    context = {
        "request": request,
        "rows": page.object_list,
        "stamped": StampedRows(MEMBER_ROW, page.object_list, name="member"),
        "roles": Role.choices,
        "back_to": back_to,
        "can_manage": request.membership.can_manage_users,
        "csrf_token": "a-token",
        "name_label": "Name <&>",
        "email_label": "Email",
        "role_label": "Role",
        "last_sign_in_label": "Last sign-in",
    }
    one_by_one, stamped = template.render(Context(context)).split("\x01")
    return one_by_one, stamped


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_stamped_rows_are_the_rows_the_partial_draws(varied_partner, language, who):
    viewer = (
        admin_of(varied_partner) if who == "admin" else make_member(varied_partner, Role.VIEWER, email="v@example.com")
    )
    with translation.override(language):
        one_by_one, stamped = rows_both_ways(varied_partner, viewer)
    assert stamped == one_by_one
    assert one_by_one.count("<tr>") == (6 if who == "admin" else 7)


def test_the_rows_escape_what_members_typed_and_say_who_is_an_alert_contact(varied_partner):
    admin = admin_of(varied_partner)
    with translation.override("es"):
        _one_by_one, rows = rows_both_ways(varied_partner, admin)
    assert "&lt;b&gt;Odd&lt;/b&gt; &amp; &quot;Co&quot; {0} %(user)s" in rows
    assert "o&#x27;neil@example.com" in rows and "<b>" not in rows
    assert "/onboarding/?next=/a%26b&amp;x=&lt;1&gt;#panel-users" in rows
    # You: "Leave", and your alert contact role goes too; a colleague who is an alert contact: theirs goes too.
    assert "Perderás el acceso a O&#x27;Brien &amp; Sons &lt;Travel&gt; {x} de inmediato." in rows
    assert rows.count("También dejará de ser contacto de alerta.") == 2  # Eddie and Ana, not Ben
    assert rows.count('<td data-label="Name &lt;&amp;&gt;">—</td>') == 1  # vera+x has no name


def test_a_partial_that_changes_a_slot_is_refused(varied_partner):
    admin = admin_of(varied_partner)
    row = members_page(
        varied_partner, None, viewer=admin, alert_contacts=alert_contact_ids(varied_partner)
    ).object_list[0]
    template = engines["django"].engine.from_string(
        "{% partialdef row %}<td>{{ member.email|upper }}</td>{% endpartialdef %}"
    )
    partial = template.extra_data["partials"]["row"]
    context = Context({})
    with context.bind_template(template), pytest.raises(ValueError, match="changes a slot"):
        StampedRows("row", [row], name="member").parts(partial, context, row)


def test_a_kind_of_row_is_drawn_once_per_page(varied_partner, monkeypatch):
    admin = admin_of(varied_partner)
    add_crowd(varied_partner, 40)
    rows = members_page(
        varied_partner, None, viewer=admin, alert_contacts=alert_contact_ids(varied_partner)
    ).object_list
    kinds = {row.shape() for row in rows}
    assert len(rows) == 46 and len(kinds) == 6  # you, an alert Editor, an Admin, Viewers: alert, not, no name
    drawn = []
    parts = StampedRows.parts
    monkeypatch.setattr(StampedRows, "parts", lambda self, *args: drawn.append(args) or parts(self, *args))
    rows_both_ways(varied_partner, admin)
    assert len(drawn) == len(kinds)


def test_a_member_row_holds_what_the_page_shows(varied_partner):
    admin = admin_of(varied_partner)
    rows = {
        row.email: row
        for row in members_page(varied_partner, None, viewer=admin, alert_contacts=alert_contact_ids(varied_partner))
    }
    odd, vera, you = rows["odd@example.com"], rows["vera+x@example.com"], rows[admin.email]
    assert odd.role_url == reverse("portal:member_role", args=[odd.pk])
    assert odd.remove_url == reverse("portal:member_remove", args=[odd.pk])
    assert (odd.is_self, odd.is_alert_contact, odd.role_display) == (False, False, "Admin")
    assert (you.is_self, you.is_alert_contact) == (True, True)
    assert (vera.name, vera.person, vera.last_login) == ("", "vera+x@example.com", "")
    assert odd.person == '<b>Odd</b> & "Co" {0} %(user)s (odd@example.com)'
    assert odd.last_login  # written as the |date filter writes it, in the reader's format


class TestInvitationForm:
    def field_renderings(self):
        """Counts the field templates rendered while the block runs."""
        drawn = []

        def count(sender, template, **kwargs):
            if template.name == "django/forms/field.html":
                drawn.append(template.name)

        template_rendered.connect(count)
        return drawn, lambda: template_rendered.disconnect(count)

    def test_unbound_fields_are_drawn_once_per_language(self):
        drawn, stop = self.field_renderings()
        try:
            with translation.override("en"):
                first = InvitationForm(membership=None)["email"].as_field_group()
                again = InvitationForm(membership=None)["email"].as_field_group()
            with translation.override("es"):
                spanish = InvitationForm(membership=None)["email"].as_field_group()
        finally:
            stop()
        assert first == again and 'name="email"' in first
        assert spanish != first and "Correo" in spanish
        assert len(drawn) <= 2  # English once (unless an earlier test drew it), Spanish once

    def test_a_bound_form_shows_what_was_sent_and_its_errors_every_time(self):
        InvitationForm(membership=None)["email"].as_field_group()
        form = InvitationForm({"email": "not an <email>", "role": "viewer"}, membership=None)
        assert not form.is_valid()
        email, role = form["email"].as_field_group(), form["role"].as_field_group()
        assert 'value="not an &lt;email&gt;"' in email and "Enter a valid email address" in email
        assert re.search(r'<option value="viewer" selected>', role)

    def test_an_error_is_shown_even_on_the_value_first_shown(self):
        InvitationForm(membership=None)["role"].as_field_group()
        form = InvitationForm({"email": "pat@elsewhere.example", "role": "editor"}, membership=None)
        assert form.is_valid()
        form.add_error("role", "Not this role.")  # a refusal from the service, as save() adds it
        assert "Not this role." in form["role"].as_field_group()

    def test_the_page_shows_the_form_with_errors_and_values_kept(self, complete_partner, partner_admin_client):
        partner_admin_client.get(USERS)
        response = partner_admin_client.post(reverse("portal:invite"), {"email": "pat@", "role": "admin"})
        page = response.content.decode()
        assert response.status_code == 200
        assert 'value="pat@"' in page and '<option value="admin" selected>Admin</option>' in page
        assert "Enter a valid email address, like ops@example.com." in page


def test_pending_invitations_are_asked_for_only_while_one_may_be_open(complete_partner, admin_user):
    from partners.services import invitation_accept, invitation_revoke

    partner = complete_partner
    assert partner.invitations_open_until is None
    first = invitation_create(partner=partner, email="one@acme.example", role=Role.EDITOR, inviter=admin_user)
    second = invitation_create(partner=partner, email="two@acme.example", role=Role.EDITOR, inviter=admin_user)
    partner.refresh_from_db()
    assert partner.invitations_open_until == second.expires_at and partner.may_have_pending_invitations
    page = signed_in(admin_user).get(USERS).content.decode()
    assert "one@acme.example" in page and "two@acme.example" in page
    invitation_revoke(invitation=second, actor=admin_user)
    partner.refresh_from_db()
    assert partner.invitations_open_until == first.expires_at
    invitation_accept(invitation=first, user=User.objects.create_user(email="one@acme.example", password=None))
    partner.refresh_from_db()
    assert partner.invitations_open_until is None and not partner.may_have_pending_invitations
    assert "No pending invitations." in signed_in(admin_user).get(USERS).content.decode()


def test_an_operator_changing_an_invitation_in_the_admin_keeps_the_partner_record(complete_partner, admin_user):
    from django.contrib import admin

    from partners.models import Invitation

    invitation = invitation_create(
        partner=complete_partner, email="x@acme.example", role=Role.EDITOR, inviter=admin_user
    )
    model_admin = admin.site._registry[Invitation]
    invitation.revoked_at = invitation.created_at
    model_admin.save_model(RequestFactory().post("/"), invitation, form=None, change=True)
    complete_partner.refresh_from_db()
    assert complete_partner.invitations_open_until is None
    invitation.revoked_at = None
    model_admin.save_model(RequestFactory().post("/"), invitation, form=None, change=True)
    complete_partner.refresh_from_db()
    assert complete_partner.invitations_open_until == invitation.expires_at
    model_admin.delete_queryset(RequestFactory().post("/"), Invitation.objects.filter(pk=invitation.pk))
    complete_partner.refresh_from_db()
    assert complete_partner.invitations_open_until is None

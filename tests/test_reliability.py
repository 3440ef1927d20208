"""Saving under concurrency and failure: exactly one winner, nothing lost, migrations both ways."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from accounts.models import User
from contacts.forms import ContactInformationForm
from contacts.models import ContactInformation
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from partners.environments import Environment
from partners.models import Activity, Invitation, Membership, Role
from partners.services import MembershipError, invitation_accept, invitation_create
from tests.helpers import admin_of, complete_contacts, contact_form_data, make_member, make_partner, run_together

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:5432/NAME "
    "(real concurrent transactions; SQLite serialises writers)",
)


def bound_form(partner, **overrides):
    info = contact_information_for(partner)
    form = ContactInformationForm(contact_form_data(**overrides), info=info, environment=Environment.SANDBOX)
    assert form.is_valid(), form.error_summary()
    return form


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_connections_saving_at_once_give_one_winner_and_one_conflict():
    partner = make_partner()
    admin = admin_of(partner)

    def save(email):
        def work():
            form = bound_form(partner, operator=[email])  # each thread reads version 0 on its own connection
            return contact_information_save(form=form, actor=admin)

        return work

    results = run_together(save("first@acme.example"), save("second@acme.example"))
    winners = [r for r in results if isinstance(r, ContactInformation)]
    conflicts = [r for r in results if isinstance(r, ContactInformationConflict)]
    assert len(winners) == 1 and len(conflicts) == 1, results
    info = ContactInformation.objects.get(partner=partner)
    assert info.version == 1
    emails = list(info.contacts.filter(category="operator").values_list("email", flat=True))
    assert emails in (["first@acme.example"], ["second@acme.example"])  # one whole version, never a mix
    assert info.contacts.filter(category="technical_emergency").count() == 1
    assert Activity.objects.filter(partner=partner, action=Activity.Action.CONTACTS_UPDATED).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_accepts_of_one_invitation_at_once_give_one_membership():
    partner = make_partner()
    invitation = invitation_create(
        partner=partner, email="new@acme.example", role=Role.EDITOR, inviter=admin_of(partner)
    )
    first = User.objects.create_user(email="new@acme.example", password="x-Long-pass-1")
    second = User.objects.create_user(email="other@acme.example", password="x-Long-pass-2")
    results = run_together(
        lambda: invitation_accept(invitation=invitation, user=first),
        lambda: invitation_accept(invitation=invitation, user=second),
    )
    assert sum(isinstance(r, Membership) for r in results) == 1
    assert sum(isinstance(r, MembershipError) for r in results) == 1
    assert Membership.objects.filter(partner=partner).exclude(role=Role.ADMIN).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_the_middle_of_a_save_keeps_the_previous_contact_information(monkeypatch):
    partner = make_partner()
    admin = admin_of(partner)
    complete_contacts(partner)
    before = ContactInformation.objects.get(partner=partner).as_dict()

    def explode(*args, **kwargs):
        raise RuntimeError("the database went away")

    form = bound_form(partner, operator=["replacement@acme.example"])
    form.general.cleaned_data["version"] = 0
    monkeypatch.setattr(Activity.objects, "create", explode)  # fails after every row was written
    with pytest.raises(RuntimeError):
        contact_information_save(form=form, actor=admin)
    info = ContactInformation.objects.get(partner=partner)
    assert info.as_dict() == before and info.version == 0
    partner.refresh_from_db()
    assert partner.missing_sandbox == []


@pytest.mark.django_db(transaction=True)
def test_every_migration_runs_backwards_and_forwards():
    recorder = MigrationRecorder(connection)
    ours = {"partners", "contacts"}  # accounts stays: the admin's and axes' tables point at its users
    applied = {(app, name) for app, name in recorder.applied_migrations() if app in ours}
    assert ("partners", "0001_initial") in applied and ("contacts", "0001_initial") in applied
    call_command("migrate", "contacts", "zero", verbosity=0)
    call_command("migrate", "partners", "zero", verbosity=0)
    assert not {(a, n) for a, n in MigrationRecorder(connection).applied_migrations() if a in ours}
    call_command("migrate", verbosity=0)
    assert {(a, n) for a, n in MigrationRecorder(connection).applied_migrations() if a in ours} == applied
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # The schema works again.
    partner = make_partner()
    make_member(partner)
    assert contact_information_for(partner).version == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    from partners.services import membership_change_role

    partner = make_partner()
    first = Membership.objects.get(partner=partner, role=Role.ADMIN)
    second = Membership.objects.get(user=make_member(partner, Role.ADMIN), partner=partner)
    results = run_together(
        lambda: membership_change_role(membership=first, role=Role.VIEWER, actor=second.user),
        lambda: membership_change_role(membership=second, role=Role.VIEWER, actor=first.user),
    )
    assert sum(isinstance(r, MembershipError) for r in results) == 1, results
    assert Membership.objects.filter(partner=partner, role=Role.ADMIN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_migrating_records_existing_drafts_and_pending_invitations():
    """What the pages read from rows they load (a draft kept, invitations open) is filled in for existing data."""
    from contacts.models import ContactDraft

    partner = make_partner()
    admin = admin_of(partner)
    membership = Membership.objects.get(partner=partner, user=admin)
    invitation = invitation_create(partner=partner, email="new@acme.example", role=Role.EDITOR, inviter=admin)
    from django.utils import timezone

    ContactDraft.objects.create(
        membership=membership, data={}, version=0, environment="sandbox", updated_at=timezone.now()
    )
    call_command("migrate", "contacts", "0004", verbosity=0)
    call_command("migrate", "partners", "0004", verbosity=0)
    call_command("migrate", verbosity=0)
    membership.refresh_from_db()
    partner.refresh_from_db()
    assert membership.draft_saved_at == ContactDraft.objects.get().updated_at
    assert partner.invitations_open_until == invitation.expires_at

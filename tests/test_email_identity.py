"""One identity per email address: look-alikes (ı, İ, ſ, the Kelvin sign, fullwidth letters) are never taken for
an existing account, no two accounts that compare equal can exist, and sign-in never fails with a 500.

These run on SQLite and, in CI's second pass, on PostgreSQL, whose UPPER() made `email__iexact` match
`admin@fıntech.example` against `admin@fintech.example`.
"""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.identity import canonical_email, email_skeleton
from accounts.models import User
from contacts.services import partner_create
from partners.models import Invitation, Membership, Partner, Role, hash_token
from partners.services import MembershipError, invitation_create
from tests.helpers import PASSWORD, admin_of, complete_contacts, make_partner, signed_in

REAL = "admin@fintech.example"
# Each looks like REAL to a reader, and none is REAL's address.
LOOK_ALIKES = [
    "admin@fıntech.example",  # dotless ı in the domain
    "admın@fintech.example",  # dotless ı in the local part
    "admİn@fintech.example",  # dotted capital İ
    "admin@fİntech.example",
    "ａｄｍｉｎ@fintech.example",  # fullwidth letters in the local part
]
SAME_ACCOUNT = [
    "ADMIN@FINTECH.EXAMPLE",
    " Admin@Fintech.Example ",
    "admin@ＦＩＮＴＥＣＨ.example",
]


class TestTheIdentityFunctions:
    @pytest.mark.parametrize("address", SAME_ACCOUNT)
    def test_case_spaces_and_domain_width_are_one_identity(self, address):
        assert canonical_email(address) == canonical_email(REAL) == "admin@fintech.example"

    @pytest.mark.parametrize("address", [*LOOK_ALIKES, "ſam@fintech.example", "ſ@x.example"])
    def test_look_alikes_are_other_identities_with_the_same_skeleton(self, address):
        plain = address.replace("ı", "i").replace("İ", "i").replace("ſ", "s")
        plain = "".join(chr(ord(ch) - 0xFEE0) if "ａ" <= ch <= "ｚ" else ch for ch in plain)
        assert canonical_email(address) != canonical_email(plain)
        assert email_skeleton(address) == email_skeleton(plain)

    def test_the_long_s_and_the_kelvin_sign_are_not_folded_into_ascii_for_identity(self):
        assert canonical_email("ſam@x.example") != canonical_email("sam@x.example")
        # The Kelvin sign is canonically equivalent to K (Unicode NFC): the same letter, so the same account.
        assert canonical_email("\u212aate@x.example") == canonical_email("kate@x.example")

    def test_an_international_domain_is_stored_as_dns_sees_it(self):
        assert canonical_email("ana@Fıntech.example") == "ana@xn--fntech-p9a.example"
        assert canonical_email("ana@not_a_domain") == "ana@not_a_domain"


@pytest.mark.django_db
class TestNoTwoAccountsCompareEqual:
    @pytest.mark.parametrize(
        "address", ["ADMIN@fintech.example", "admin@FINTECH.EXAMPLE", "admin@ＦＩＮＴＥＣＨ.example"]
    )
    def test_the_same_address_in_another_spelling_is_refused_by_the_database(self, address):
        User.objects.create_user(email=REAL, password=PASSWORD)
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(email=address, password=PASSWORD)

    @pytest.mark.parametrize("address", LOOK_ALIKES)
    def test_a_look_alike_account_is_refused_by_the_database(self, address):
        User.objects.create_user(email=REAL, password=PASSWORD)
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(email=address, password=PASSWORD)
        assert User.objects.count() == 1

    def test_the_operators_admin_refuses_a_look_alike_with_a_message(self, db):
        User.objects.create_user(email=REAL, password=PASSWORD)
        operator = User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)
        client = Client()
        client.force_login(operator)
        response = client.post(
            reverse("admin:accounts_user_add"),
            {"email": "admin@fıntech.example", "name": "", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 200
        assert "looks like it" in response.content.decode()
        assert not User.objects.filter(email="admin@fıntech.example").exists()


@pytest.mark.django_db
class TestNoLookAlikeIsTakenForTheAccount:
    def test_createpartner_refuses_a_look_alike_of_an_existing_account(self):
        # The takeover: an attacker's look-alike account must never become Admin of the real company.
        attacker = make_partner("Attacker Ltd", admin_email="admin@fıntech.example")
        with pytest.raises(CommandError, match="looks like"):
            call_command("createpartner", "Fintech Ltd", integration="appointments", admin=REAL, stdout=StringIO())
        assert not Partner.objects.filter(name="Fintech Ltd").exists()
        assert Membership.objects.filter(user=admin_of(attacker)).count() == 1

    def test_createpartner_attaches_the_existing_account_only_for_its_exact_address(self):
        existing = User.objects.create_user(email=REAL, password=PASSWORD)
        out = StringIO()
        call_command(
            "createpartner", "Fintech Ltd", integration="appointments", admin="ADMIN@Fintech.example", stdout=out
        )
        assert "existing user" in out.getvalue()
        assert Membership.objects.get(partner__name="Fintech Ltd").user == existing

    @pytest.mark.parametrize("address", LOOK_ALIKES)
    def test_an_invitation_to_a_look_alike_of_a_member_elsewhere_is_refused(self, address):
        User.objects.create_user(email=REAL, password=PASSWORD)
        partner = make_partner()
        with pytest.raises(MembershipError, match="looks like"):
            invitation_create(partner=partner, email=address, role=Role.ADMIN, inviter=admin_of(partner))
        assert not Invitation.objects.exists()

    def test_the_users_tab_explains_the_refusal_beside_the_field(self, django_capture_on_commit_callbacks):
        User.objects.create_user(email=REAL, password=PASSWORD)
        partner = make_partner()
        complete_contacts(partner)
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(admin_of(partner)).post(
                reverse("portal:invite"), {"email": "admin@fıntech.example", "role": "editor"}
            )
        assert response.status_code == 200
        assert "looks like the address of another person" in " ".join(response.context["invite_form"].errors["email"])
        assert mail.outbox == []

    def test_an_invitation_to_a_look_alike_of_a_pending_invitation_is_refused(self):
        partner = make_partner()
        invitation_create(partner=partner, email=REAL, role=Role.EDITOR, inviter=admin_of(partner))
        with pytest.raises(MembershipError):
            invitation_create(partner=partner, email="admin@fıntech.example", role=Role.ADMIN, inviter=None)

    def test_a_real_persons_invitation_is_never_offered_to_a_look_alike_account(self):
        # The look-alike signed up first (say, before this fix); the real person is invited now.
        squatter = User.objects.create_user(email="admin@fıntech.example", password=PASSWORD)
        partner = make_partner()
        Invitation.objects.create(
            partner=partner,
            email=REAL,
            role=Role.EDITOR,
            token_hash=hash_token("t" * 43),
            expires_at="2999-01-01T00:00:00Z",
        )
        link = reverse("portal:accept_invitation", args=["t" * 43])
        # The real person is offered a new account, not told to sign in to the look-alike's.
        page = Client().get(link)
        assert page.status_code == 200 and "password1" in page.content.decode()
        # The look-alike, signed in, is told the invitation is for someone else.
        assert signed_in(squatter).get(link).status_code == 403
        assert not Membership.objects.filter(user=squatter, partner=partner).exists()


@pytest.mark.django_db
class TestSignIn:
    def sign_in(self, email, password=PASSWORD, address="192.0.2.1"):
        return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": email, "password": password})

    @pytest.mark.parametrize(
        "spelling", ["admin@fintech.example", "ADMIN@Fintech.EXAMPLE", "admin@ＦＩＮＴＥＣＨ.example"]
    )
    def test_the_account_signs_in_in_any_spelling_of_its_address(self, spelling):
        User.objects.create_user(email=REAL, password=PASSWORD)
        assert self.sign_in(spelling).status_code == 302

    @pytest.mark.parametrize("address", LOOK_ALIKES)
    def test_a_look_alike_never_signs_in_as_the_account_and_never_500s(self, address):
        User.objects.create_user(email=REAL, password=PASSWORD)
        response = self.sign_in(address)
        assert response.status_code == 200
        assert "_auth_user_id" not in response.client.session

    def test_look_alike_spellings_share_no_throttling_budget_with_the_account(self, settings):
        User.objects.create_user(email=REAL, password=PASSWORD)
        # Five failures from five addresses, in five spellings of the account: one budget, spent.
        spellings = ["admin@fintech.example", "ADMIN@fintech.example", "Admin@FINTECH.example", REAL, REAL.upper()]
        for n, spelling in enumerate(spellings):
            self.sign_in(spelling, "wrong-password", address=f"198.51.100.{n}")
        assert self.sign_in(REAL, address="203.0.113.1").status_code == 429
        # A look-alike is another identity: it neither reaches the account nor is paused with it.
        response = self.sign_in("admın@fintech.example", address="203.0.113.2")
        assert response.status_code == 200 and "_auth_user_id" not in response.client.session


@pytest.mark.django_db
class TestInvisibleAndUndeliverableAddresses:
    @pytest.mark.parametrize(
        "address", ["admin@fin\u200dtech.example", "admin@fin\u200ctech.example", "ad\u200bmin@fintech.example"]
    )
    def test_an_invisible_character_does_not_make_a_new_identity_look_new(self, address):
        assert email_skeleton(address) == email_skeleton(REAL)
        User.objects.create_user(email=REAL, password=PASSWORD)
        with pytest.raises(MembershipError, match="looks like"):
            partner_create(name="Copycat", integration="appointments", admin_email=address)

    @pytest.mark.parametrize(
        ("address", "message"),
        [
            ("pat@fin\u200dtech.example", "invisible formatting characters"),
            ("pat@\u202eexample.com", "invisible formatting characters"),
            ("pat@exa_mple.com", "valid email address"),
        ],
    )
    def test_the_invitation_form_refuses_them_beside_the_field(self, address, message):
        partner = make_partner()
        complete_contacts(partner)
        response = signed_in(admin_of(partner)).post(reverse("portal:invite"), {"email": address, "role": "editor"})
        assert response.status_code == 200
        assert message in " ".join(response.context["invite_form"].errors["email"])
        assert not Invitation.objects.exists() and mail.outbox == []

    def test_an_account_marked_distinct_by_the_migration_still_saves(self):
        # Two look-alikes made before the fix: the migration gave the newer a marked skeleton.
        user = User.objects.create_user(email="admin@fıntech.example", password=PASSWORD)
        User.objects.filter(pk=user.pk).update(email_skeleton=f"{email_skeleton(REAL)}#{user.pk}")
        User.objects.create_user(email=REAL, password=PASSWORD)
        squatter = User.objects.get(pk=user.pk)
        squatter.set_password("a-New-passw0rd-here")
        squatter.save()  # no IntegrityError: an unchanged address keeps its stored identity
        assert User.objects.get(pk=user.pk).email_skeleton.endswith(f"#{user.pk}")
        squatter.email = "someone.else@elsewhere.example"
        squatter.save()
        assert User.objects.get(pk=user.pk).email_skeleton == "someone.else@elsewhere.example"

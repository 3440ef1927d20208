"""`make run`'s demo data: a partner to onboard and an operator for the admin, created once."""

import pytest
from django.core.management import call_command

from accounts.models import User
from partners.models import Partner
from portal.management.commands.loaddemo import DEMO_EMAIL, DEMO_OPERATOR, DEMO_PARTNER, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_partner_admin_and_an_operator_and_runs_twice(capsys):
    call_command("loaddemo")
    call_command("loaddemo")
    assert Partner.objects.filter(name=DEMO_PARTNER).count() == 1
    operator = User.objects.get(email=DEMO_OPERATOR)
    assert operator.is_staff and operator.is_superuser and operator.check_password(DEMO_PASSWORD)
    assert User.objects.get(email=DEMO_EMAIL).check_password(DEMO_PASSWORD)
    assert "/admin/" in capsys.readouterr().out

import pytest
from django.test import Client

from portal.environments import SESSION_KEY as ENVIRONMENT_KEY
from portal.models import Role
from tests.factories import admin_of, make_member, make_partner


@pytest.fixture(autouse=True)
def _fast_and_english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partner(db):
    """An onboarding partner (reservations: the merchant-issues contact applies) with one Admin."""
    return make_partner("Acme Bookings")


@pytest.fixture
def admin_user(partner):
    return admin_of(partner)


@pytest.fixture
def editor(partner):
    return make_member(partner, Role.EDITOR, name="Eddie Editor")


@pytest.fixture
def viewer(partner):
    return make_member(partner, Role.VIEWER, name="Vera Viewer")


def signed_in(user, environment=None):
    """A test client signed in as `user`, optionally working in an environment."""
    client = Client()
    client.force_login(user)
    if environment:
        session = client.session
        session[ENVIRONMENT_KEY] = environment
        session.save()
    return client


@pytest.fixture
def partner_admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def editor_client(editor):
    return signed_in(editor)


@pytest.fixture
def viewer_client(viewer):
    return signed_in(viewer)

"""Writes that span several objects: creating partners, and the set-password link for a new admin."""

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from contacts.services import contact_status_refresh
from portal.integrations import get_integration
from portal.models import Membership, Partner, Role, User, normalize_email


@transaction.atomic
def partner_create(*, name, integration, admin_email, admin_password=None, admin_name="", phone_region="US"):
    """Create a partner, its empty contact information and its first Admin; returns (partner, user, created)."""
    get_integration(integration)
    partner = Partner.objects.create(name=name, integration=integration, phone_region=phone_region)
    user = User.objects.filter(email__iexact=normalize_email(admin_email)).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=admin_email, password=admin_password, name=admin_name)
        if admin_password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif admin_password is not None:
        user.set_password(admin_password)
        user.save(update_fields=["password"])
    Membership.objects.create(user=user, partner=partner, role=Role.ADMIN)
    contact_status_refresh(partner=partner)
    return partner, user, created


def password_set_path(user):
    """A one-time path where the user chooses a password; it stops working once the password changes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})

"""People who sign in with an email address."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


def normalize_email(email):
    """Trim an email and lower-case its domain, leaving the local part as typed."""
    email = (email or "").strip()
    local, sep, domain = email.rpartition("@")
    return f"{local}{sep}{domain.lower()}" if sep else email


class UserQuerySet(models.QuerySet):
    """Queries about many users."""

    def with_email(self, email):
        """Users whose address is `email`, compared the way sign-in compares it."""
        return self.filter(email__iexact=normalize_email(email))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    """Creates users who sign in with their email address."""

    use_in_migrations = True

    def get_by_natural_key(self, email):
        """Sign-in compares emails case-insensitively."""
        return self.with_email(email).get()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        """Create a partner user."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """Create an operator with every permission."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an email address. Django staff are the portal's operators."""

    username = None
    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), max_length=254, unique=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        """The name people see, or the email when none was given."""
        return self.name or self.email

    def get_short_name(self):
        """Same as the full name: we keep a single name field."""
        return self.get_full_name()

    def has_email(self, email):
        """Whether `email` is this user's address, compared the way sign-in compares it."""
        return self.email.casefold() == normalize_email(email).casefold()

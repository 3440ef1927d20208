"""Two-factor sign-in: setting up an authenticator app, recovery codes, and the second step of signing in."""

from django.urls import path

from accounts import two_factor

app_name = "two_factor"

urlpatterns = [
    path("verify/", two_factor.verify, name="verify"),
    path("setup/", two_factor.setup, name="setup"),
    path("recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("recovery-codes/new/", two_factor.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("turn-off/", two_factor.disable, name="disable"),
]

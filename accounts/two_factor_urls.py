"""Two-factor sign-in: setting up an authenticator app, recovery codes, and the second step of signing in."""

urlpatterns = []

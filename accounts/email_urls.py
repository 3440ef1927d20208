"""Changing the email address one signs in with: the new address is confirmed before it takes effect."""

urlpatterns = []

"""Changing the email address one signs in with: the new address is confirmed before it takes effect."""

from django.urls import path

from accounts.email_change import email_change, email_change_confirm_page

urlpatterns = [
    path("", email_change, name="email_change"),
    path("confirm/<str:token>/", email_change_confirm_page, name="email_change_confirm"),
]

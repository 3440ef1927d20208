"""Settings › API keys, included by the portal's URLs under settings/api-keys/."""

from django.urls import path

from contacts.api import keys_views

app_name = "api_keys"

urlpatterns = [
    path("", keys_views.keys, name="list"),
    path("<int:pk>/revoke/", keys_views.revoke, name="revoke"),
]

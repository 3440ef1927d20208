from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]

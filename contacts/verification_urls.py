from django.urls import path

from contacts import verification_views

app_name = "verification"

urlpatterns = [
    path("verify-address/<str:token>/", verification_views.confirm, name="confirm"),
    path(
        "settings/contact-information/verifications/<int:pk>/resend/",
        verification_views.resend,
        name="resend",
    ),
]

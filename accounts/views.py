"""Sign-in: Django's view, with the portal's form, that never loops back onto itself."""

from django.contrib.auth import views as auth_views

from accounts.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    """Email sign-in; a signed-in user is sent on, and a `next` pointing back at sign-in leads to the portal."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        # Django refuses to redirect a signed-in user to the page itself (a loop) with a 500: go home instead.
        return "" if url.split("?")[0] == self.request.path else url

"""Sign-in, never looping back onto itself, and the signed-in user's own profile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import EmailAuthenticationForm, ProfileForm


class LoginView(auth_views.LoginView):
    """Email sign-in; a signed-in user is sent on, and a `next` pointing back at sign-in leads to the portal."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        # Django refuses to redirect a signed-in user to the page itself (a loop) with a 500: go home instead.
        return "" if url.split("?")[0] == self.request.path else url


@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """The signed-in user's name, the language of their emails and their mailing lists."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})

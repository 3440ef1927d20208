"""Sign-in (with a second step for users with an authenticator app), never looping back onto itself, and the
signed-in user's own profile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import EmailAuthenticationForm, ProfileForm
from accounts.two_factor import authenticator_of, sign_in_pending_begin, two_factor_status, with_next


class LoginView(auth_views.LoginView):
    """Email sign-in; a signed-in user is sent on, and a `next` pointing back at sign-in leads to the portal.

    A user with an authenticator app is not signed in by the password alone: the second step asks for a code.
    """

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self, request=None):
        url = super().get_redirect_url(request)
        # Django refuses to redirect a signed-in user to the page itself (a loop) with a 500: go home instead.
        return "" if url.split("?")[0] == (request or self.request).path else url

    def form_valid(self, form):
        user = form.get_user()
        if authenticator_of(user) is None:
            return super().form_valid(form)
        sign_in_pending_begin(request=self.request, user=user, backend=user.backend)
        return HttpResponseRedirect(with_next("two_factor:verify", self.get_redirect_url()))


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password from an emailed link signs the user in, unless a second factor is due: then the
    link only sets the password, and signing in asks for the code as usual."""

    def form_valid(self, form):
        self.post_reset_login = self.post_reset_login and authenticator_of(self.user) is None
        return super().form_valid(form)


@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """The signed-in user's name, the language of their emails and their mailing lists."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form, "two_factor": two_factor_status(request.user)})

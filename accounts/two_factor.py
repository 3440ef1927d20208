"""Two-factor sign-in with django-otp: an authenticator app (TOTP), ten single-use recovery codes, and the second
step of signing in.

After the password, a user with an authenticator app is only *pending* (a user id in the session): Django does not
consider them signed in, so every page but this second step sends them back to sign-in. The code's device is
throttled by django-otp in the database (each wrong code doubles the wait), and a pending sign-in allows a few wrong
codes before the password must be typed again (itself throttled by django-axes).
"""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import SecondStepForm, TwoFactorCodeForm, TwoFactorDisableForm
from accounts.navigation import safe_next

PENDING_SESSION_KEY = "two_factor_pending"
RECOVERY_CODES_SESSION_KEY = "two_factor_new_recovery_codes"
RECOVERY_CODE_COUNT = 10
# How long the second step waits after the password, and how many wrong codes one password allows.
PENDING_MAX_AGE_SECONDS = 10 * 60
PENDING_MAX_WRONG_CODES = 5
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def authenticator_of(user, *, confirmed=True):
    """The user's authenticator app (TOTP device), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def is_verified(user):
    """Whether this session passed a second factor (set by django-otp's OTPMiddleware)."""
    return getattr(user, "otp_device", None) is not None


def two_factor_status(user):
    """What the profile shows: whether two-factor sign-in is on, and how many recovery codes are left."""
    enabled = authenticator_of(user) is not None
    left = StaticToken.objects.filter(device__user=user).count() if enabled else 0
    return {"enabled": enabled, "recovery_codes_left": left}


def with_next(url_name, next_url):
    """The URL of `url_name`, carrying `next` when there is one."""
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# Sign-in, second step


def sign_in_pending_begin(*, request, user, backend):
    """Remember that `user` typed the right password; they are not signed in until the second step."""
    request.session.cycle_key()  # a new session id for the new privilege, as login() would
    request.session[PENDING_SESSION_KEY] = {
        "user": str(user.pk),
        "backend": backend,
        "since": int(time.time()),
        "wrong": 0,
    }


def pending_user(request):
    """The user half-way through signing in (password right, code still due), or None once that has expired."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        return None
    if time.time() - pending.get("since", 0) > PENDING_MAX_AGE_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_SESSION_KEY, None)
    return user


def sign_in_pending_wrong_code(*, request):
    """Count a wrong code against this password; True when the user must start again with the password."""
    pending = request.session.get(PENDING_SESSION_KEY) or {}
    pending["wrong"] = pending.get("wrong", 0) + 1
    if pending["wrong"] >= PENDING_MAX_WRONG_CODES:
        request.session.pop(PENDING_SESSION_KEY, None)
        return True
    request.session[PENDING_SESSION_KEY] = pending
    return False


def sign_in_complete(*, request, user, device):
    """Sign the user in, with the device that verified them recorded in the session."""
    pending = request.session.pop(PENDING_SESSION_KEY, None) or {}
    if not (request.user.is_authenticated and request.user.pk == user.pk):
        backend = pending.get("backend") or request.session.get(BACKEND_SESSION_KEY) or settings_backend()
        auth_login(request, user, backend=backend)
    otp_login(request, device)


def settings_backend():
    """The backend that checks passwords (the last of AUTHENTICATION_BACKENDS: the first is axes' gatekeeper)."""
    return settings.AUTHENTICATION_BACKENDS[-1]


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = pending_user(request)
    if user is None and request.user.is_authenticated:
        # Signed in already: a session from before the app was added, asked again before the admin.
        if is_verified(request.user) or authenticator_of(request.user) is None:
            return redirect(safe_next(request))
        user = request.user
    if user is None:
        messages.info(request, _("Sign in again: the sign-in waited too long for its code."))
        return redirect(with_next("login", request.GET.get("next", "")))
    form = SecondStepForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            sign_in_complete(request=request, user=user, device=form.device)
            if isinstance(form.device, StaticDevice):
                left = StaticToken.objects.filter(device=form.device).count()
                messages.warning(
                    request,
                    _("You used a recovery code; %(count)s are left. Create new ones on your profile.")
                    % {"count": left},
                )
            return redirect(safe_next(request))
        if form.refused and PENDING_SESSION_KEY in request.session and sign_in_pending_wrong_code(request=request):
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect(with_next("login", request.POST.get("next", "")))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


# Setting up, recovery codes, turning off


def recovery_codes_create(*, user):
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones, and return them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_enable(*, request, device):
    """Turn on two-factor sign-in with a confirmed authenticator app; this session counts as verified."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    request.session[RECOVERY_CODES_SESSION_KEY] = recovery_codes_create(user=device.user)
    otp_login(request, device)


@transaction.atomic
def two_factor_disable(*, request, user):
    """Turn off two-factor sign-in: forget the app and the recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    user.otp_device = None


def qr_code_svg(data):
    """The QR code of `data` as inline SVG markup (no external image, no inline style: the CSP allows neither)."""
    qr = segno.make(data, error="m")
    # A white background: a dark page theme must not leave the code unreadable to a phone's camera.
    return mark_safe(qr.svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None))


def secret_text(device):
    """The app's secret in base32, in groups of four, for typing it in by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "HEAD", "POST"])
def setup(request):
    """Add an authenticator app: scan the QR code (or type the key), then confirm with a code it shows."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if authenticator_of(request.user) is not None:
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("profile")
    # The same unconfirmed key until it is confirmed, so reloading the page does not change the QR code.
    device = authenticator_of(request.user, confirmed=False) or TOTPDevice.objects.create(
        user=request.user, name=APP_DEVICE_NAME, confirmed=False
    )
    form = TwoFactorCodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        two_factor_enable(request=request, device=device)
        messages.success(request, _("Two-factor sign-in is on."))
        return redirect(with_next("two_factor:recovery_codes", next_url))
    context = {"form": form, "qr_code": qr_code_svg(device.config_url), "secret": secret_text(device), "next": next_url}
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def recovery_codes(request):
    """The new recovery codes, shown this once."""
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once. Create new ones if you lost them."))
        return redirect("profile")
    continue_url = safe_next(request, default="profile")
    return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes, "continue_url": continue_url})


@require_POST
def recovery_codes_regenerate(request):
    """Replace the recovery codes with new ones (the old ones stop working)."""
    if authenticator_of(request.user) is None:
        return redirect("profile")
    if not is_verified(request.user):
        return redirect(with_next("two_factor:verify", reverse("profile")))
    request.session[RECOVERY_CODES_SESSION_KEY] = recovery_codes_create(user=request.user)
    return redirect("two_factor:recovery_codes")


@require_http_methods(["GET", "HEAD", "POST"])
def disable(request):
    """Turn two-factor sign-in off, after the password or a code."""
    if authenticator_of(request.user) is None:
        return redirect("profile")
    form = TwoFactorDisableForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        two_factor_disable(request=request, user=request.user)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("profile")
    return render(request, "accounts/two_factor_disable.html", {"form": form})

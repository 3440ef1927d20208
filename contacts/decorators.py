"""The gate's opt-out mark, importable before the app registry is ready."""

from django.urls import URLPattern, URLResolver


def contact_information_not_required(view_func):
    """Mark a view as reachable while the contact information is incomplete (like login_not_required)."""
    view_func.contact_information_required = False
    return view_func


def contact_information_not_required_patterns(patterns):
    """Mark every view of a URL list (the admin's, the sign-in views) as reachable while the gate holds."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            # Bound methods (the admin's own login and logout) carry attributes on their function.
            contact_information_not_required(getattr(pattern.callback, "__func__", pattern.callback))
        elif isinstance(pattern, URLResolver):
            contact_information_not_required_patterns(pattern.url_patterns)
    return patterns

"""The gate's opt-out mark, importable before the app registry is ready."""


def contact_information_not_required(view_func):
    """Mark a view as reachable while the contact information is incomplete (like login_not_required)."""
    view_func.contact_information_required = False
    return view_func

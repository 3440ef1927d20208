"""How tall the onboarding modal is at 1280×800, and how many fields a first-time Admin of an appointments partner
meets, in English and Spanish, in Sandbox and Production. Prints one line per case; asserts nothing.

Not part of `make test` or `make bench`; run it by name (Chromium needed):
`.venv/bin/python -m pytest -q -s bench/onboarding_layout.py`.

Before issue 11 the same measure gave: modal_scroll_height 2510 (Sandbox) / 2651 (Production), panel_height
2251 / 2392, 32 visible inputs and 37 visible controls.
"""

import json

import pytest

from tests.browser import sign_in
from tests.helpers import admin_of, make_partner

# The suite's fixtures: Debian's Chromium, a pinned locale, fast hashing, failing on page errors.
pytest_plugins = ["tests.conftest"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# In the page: the modal's whole height (what scrolls), the Contact information panel's, and its controls that a
# person can see (inputs, selects and text areas; and buttons), collapsed categories and hidden rows left out.
MEASURE = """() => {
    const modal = document.querySelector('dialog#onboarding-modal');
    const panel = document.querySelector('#panel-contacts');
    const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const controls = Array.from(panel.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
        .filter(visible);
    return {
        modal_scroll_height: modal.scrollHeight,
        panel_height: Math.round(panel.getBoundingClientRect().height),
        visible_inputs: controls.filter(c => c.tagName !== 'BUTTON').length,
        visible_controls: controls.length,
    };
}"""


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("environment", ["sandbox", "production"])
def test_measure(live_server, page, page_errors, language, environment):
    """One line: the figures of a first-time Admin's modal in `language` and `environment`."""
    partner = make_partner("Acme Bookings", integration="appointments")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page.context, live_server, admin_of(partner), language=language, environment=environment)
    page.goto(f"{live_server.url}/")
    figures = page.evaluate(MEASURE)
    print(f"\nMEASURE {language} {environment} {json.dumps(figures)}")

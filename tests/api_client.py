"""A partner's script, as the API tests drive it: a test client that sends its key (and JSON)."""

import json

from django.test import Client

from contacts.api.services import api_key_create

URL = "/api/v1/contact-information"


class APIClient(Client):
    """A client that authenticates with an API key and sends JSON bodies."""

    def __init__(self, key_text, **defaults):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {key_text}", **defaults)

    def put_json(self, path, document, *, if_match=None, **extra):
        if if_match is not None:
            extra["HTTP_IF_MATCH"] = if_match
        return self.put(path, json.dumps(document), content_type="application/json", **extra)


def api_client(partner, *, scope="write", name=None, rate_limit=None, **defaults):
    """(a client with a new key of `partner`, the key)."""
    key, text = api_key_create(
        partner=partner, name=name or f"script {partner.pk}-{scope}", scope=scope, rate_limit=rate_limit
    )
    return APIClient(text, **defaults), key


def errors_of(response):
    """{pointer: [(code, detail)]} of a problem document."""
    found = {}
    for error in response.json().get("errors", []):
        found.setdefault(error["pointer"], []).append((error["code"], error["detail"]))
    return found

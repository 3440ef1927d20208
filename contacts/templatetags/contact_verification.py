"""The verification of a contact address, as the contact form's rows show it."""

from django import template

from accounts.identity import canonical_email

register = template.Library()


@register.simple_tag
def address_verification(info, address):
    """The AddressState of `address` among the partner's verifications (contacts.models.ContactInformation
    .address_states: one query a page), or None for no address or one never sent a confirmation."""
    if not address or info is None:
        return None
    return info.address_states.get(canonical_email(str(address)))

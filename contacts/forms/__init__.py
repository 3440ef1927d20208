"""The contact information form of the modal and Settings: one section per kind of category, composed."""

from contacts.forms.composer import ContactInformationForm
from contacts.forms.fields import time_zone_datalist, time_zone_names
from contacts.forms.formsets import with_added_row

__all__ = ["ContactInformationForm", "time_zone_datalist", "time_zone_names", "with_added_row"]

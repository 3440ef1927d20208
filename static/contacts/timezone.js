// timezone: progressive enhancement of the contact information form; every form works without it.

"""What a browser submits from a page's form, select defaults included: the drafts tests post it back."""

from html.parser import HTMLParser


class _PostedValues(HTMLParser):
    """What a browser submits from the form of an HTML page, as {field name: [values]} in page order."""

    SKIPPED_INPUTS = frozenset({"submit", "button", "reset", "image", "file"})

    def __init__(self, marker):
        super().__init__()
        self.marker = marker
        self.values = {}
        self.in_form, self.in_template = False, 0
        self.select = self.option = self.textarea = None

    def add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = self.marker in attrs  # forms do not nest: a form's end is the end of ours
        elif tag == "template":
            self.in_template += 1
        if not self.in_form or self.in_template:
            return
        name, disabled = attrs.get("name"), "disabled" in attrs
        if tag == "input" and name and not disabled:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.add(name, attrs.get("value") or "on")
            elif kind not in self.SKIPPED_INPUTS:
                self.add(name, attrs.get("value") or "")
        elif tag == "select":
            self.select = {"name": None if disabled else name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name and not disabled:
            self.textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "template":
            self.in_template = max(self.in_template - 1, 0)
        elif tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None:
            self.add(self.textarea["name"], self.textarea["text"].removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            select, self.select, self.option = self.select, None, None
            options = select["options"]
            chosen = [option for option in options if option["selected"]]
            if not select["multiple"] and not chosen:
                chosen = options[:1]  # a single select always submits one: the first, unless one is selected
            elif not select["multiple"]:
                chosen = chosen[-1:]
            for option in chosen if select["name"] else ():
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self.add(select["name"], value)


def posted_values(html, marker="data-contact-form"):
    """What a browser submits, unchanged, from the form drawn in `html` with the `marker` attribute."""
    parser = _PostedValues(marker)
    parser.feed(html)
    parser.close()
    return parser.values

"""Read a rendered HTML form the way a browser submits it.

The test client posts whatever a test hands it; a browser posts what its controls
hold. The two differ where an input type cannot hold the value the server rendered:
an <input type="date"> whose value is not an ISO date ("2017/10/01") is emptied by the
browser (the HTML value sanitization algorithm), so the form posts an empty date.
`submitted_data` applies those rules, so a test that posts its result back sees what
a user who saves the form unchanged would get.
"""

import datetime
import re
from html.parser import HTMLParser

# The HTML "valid ... string" formats a browser keeps in these input types.
_BROWSER_FORMATS = {
    "date": (r"\d{4,}-\d{2}-\d{2}", ("%Y-%m-%d",)),
    "datetime-local": (
        r"\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?",
        ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"),
    ),
    "month": (r"\d{4,}-\d{2}", ("%Y-%m",)),
    "time": (r"\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?", ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f")),
}


def browser_value(input_type: str, value: str) -> str:
    """The value an <input type=`input_type`> keeps of the rendered `value`."""
    rule = _BROWSER_FORMATS.get(input_type)
    if rule is None:
        return value
    pattern, formats = rule
    if not re.fullmatch(pattern, value):
        return ""
    normal = value.replace(" ", "T")
    for fmt in formats:
        try:
            datetime.datetime.strptime(normal, fmt)
        except ValueError:
            continue
        return value
    return ""


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []  # [(attrs, [(name, value), ...])]
        self._form = None
        self._select = None  # [name, first option value, chosen value, multiple]
        self._textarea = None  # [name, text]
        self._option = None  # [value or None, text, selected]

    def handle_starttag(self, tag, attrs):
        attrs = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self._form = (attrs, [])
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form[1]
        if tag == "input":
            name, kind = attrs.get("name"), attrs.get("type", "text").lower()
            if not name or "disabled" in attrs or kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields.append((name, attrs.get("value", "on")))
            elif kind != "file":
                fields.append((name, browser_value(kind, attrs.get("value", ""))))
        elif tag == "select" and attrs.get("name") and "disabled" not in attrs:
            self._select = [attrs["name"], None, [], "multiple" in attrs]
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "", "selected" in attrs]
        elif tag == "textarea" and attrs.get("name") and "disabled" not in attrs:
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            name, first, chosen, multiple = self._select
            values = chosen if multiple else (chosen[-1:] or ([first] if first is not None else []))
            self._form[1].extend((name, value) for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # The parser keeps the newline right after <textarea>; browsers drop it.
            self._form[1].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def _close_option(self):
        if self._option is None:
            return
        value, text, selected = self._option
        value = text.strip() if value is None else value
        if self._select[1] is None:
            self._select[1] = value
        if selected:
            self._select[2].append(value)
        self._option = None


def submitted_data(html: str, *, form_filter=lambda attrs: True, containing: str = "") -> dict:
    """What a browser posts for the first form in `html` whose attributes pass
    `form_filter` (and that has a control named `containing`, if given), saved
    unchanged: {name: value}, or {name: [values]} where a name repeats."""
    reader = _FormReader()
    reader.feed(html)
    for attrs, fields in reader.forms:
        if form_filter(attrs) and (not containing or any(n == containing for n, _ in fields)):
            data = {}
            for name, value in fields:
                if name in data:
                    before = data[name]
                    data[name] = [*before, value] if isinstance(before, list) else [before, value]
                else:
                    data[name] = value
            return data
    raise AssertionError("no such form in the page")

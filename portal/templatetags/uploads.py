from django import template

from portal.tabular import TEMPLATES, column_list

register = template.Library()


@register.inclusion_tag("portal/_upload_template.html")
def upload_template(key: str) -> dict:
    """The template link of an upload and the list of its columns."""
    entry = TEMPLATES[key]
    return {"entry": entry, "columns": column_list(entry.spec)}

"""The template of every upload (an .xlsx made from its column spec)."""

from portal.roles import signed_in
from portal.tabular import template_for, template_response


@signed_in
def upload_template(request, key: str):
    """The template registered under `key`, for the roles that may make that upload
    (portal.tabular.template_for); 404 for an unknown key, 403 for the others."""
    entry = template_for(key, request.membership)
    return template_response(entry.spec, filename=str(entry.filename), fallback=entry.fallback)

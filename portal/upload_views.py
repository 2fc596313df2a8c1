"""The template of every upload (an .xlsx made from its column spec)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.tabular import TEMPLATES, template_response


@login_required
def upload_template(request, key: str):
    """The template registered under `key`, for the roles that may make that upload;
    403 for the others."""
    entry = TEMPLATES.get(key)
    if entry is None:
        raise Http404
    if request.membership is None or request.membership.role not in entry.roles:
        raise PermissionDenied
    return template_response(entry.spec, filename=str(entry.filename), fallback=entry.fallback)

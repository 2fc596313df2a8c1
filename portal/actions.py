"""One way to handle a POST: a refusal the user may read, and the shapes of an
action view that calls one service.

Every service refuses with `Refused` (or a subclass: LedgerError, StudyError, …) and
a Chinese message; anything else it raises is a bug and stays a 500 (logged). A view
looks the object up in scope (portal.scoping or the app's selectors), then hands the
rest to one of:

- `form_action`: a page with a form; a valid POST calls the service, a refusal
  joins the form's errors and the page is drawn again;
- `post_action`: a button in a list or a queue; the service's answer (done or
  refused) is a message on the page it redirects to;
- `rows_action`: `form_action` for a thing saved with its rows (an inline formset).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect


class Refused(ValueError):
    """A service declined to do what was asked, for a reason the user may read:
    `str(error)` is the (translated) message. The state is as it was before."""


def _redirect(target, result) -> HttpResponse:
    if callable(target):
        target = target(result)
    if isinstance(target, HttpResponse):
        return target
    if isinstance(target, tuple):
        return redirect(*target)
    return redirect(target)


def _success(request, success, result) -> None:
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)


def form_action(
    request,
    form,
    action: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str] | None,
    redirect_to,
) -> HttpResponse | None:
    """Run `action(form.cleaned_data)` for a valid POST of `form`.

    Returns the redirect to `redirect_to` (a URL, a view name, a `(name, *args)`
    tuple, a response, or a callable taking the action's result and returning one of
    these) with the `success` message (a text or a callable of the result) when the
    action ran; None when the page should be drawn again: a GET, an invalid form, or
    a `Refused` (its message is added to the form's non-field errors). Other
    exceptions propagate."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except Refused as error:
        form.add_error(None, str(error))
        return None
    _success(request, success, result)
    return _redirect(redirect_to, result)


def rows_action(
    request,
    form,
    rows,
    save: Callable[..., Any],
    *,
    success: str | Callable[[Any], str] | None,
    redirect_to,
) -> HttpResponse | None:
    """`form_action` for a page that saves a thing with its rows: a model form and its
    inline formset (portal.forms.BaseInlineFormSet). For a POST with both valid,
    `save(form=form, rows=rows)` — a service that saves them with
    `rows.save_with(form)` in its transaction — then the redirect as form_action;
    None to draw the page again (a GET, errors in the form or the rows, a refusal)."""
    if request.method == "POST" and not rows.is_valid():
        return None
    return form_action(
        request,
        form,
        lambda data: save(form=form, rows=rows),
        success=success,
        redirect_to=redirect_to,
    )


def post_action(
    request,
    action: Callable[..., Any],
    *,
    success: str | Callable[[Any], str] | None,
    redirect_to,
    form=None,
    invalid: str | None = None,
) -> HttpResponse:
    """Run `action()` (or `action(form.cleaned_data)` when a `form` is given) for a
    button that posts from a list or a queue, and redirect to `redirect_to` (as in
    form_action) whatever happened: `success` as a success message when it ran, the
    refusal's message (Refused) or `invalid` (else the form's first error) as an
    error message when it did not."""
    if form is not None and not form.is_valid():
        messages.error(request, invalid or _first_error(form))
        return _redirect(redirect_to, None)
    try:
        result = action(form.cleaned_data) if form is not None else action()
    except Refused as error:
        messages.error(request, str(error))
        return _redirect(redirect_to, None)
    _success(request, success, result)
    return _redirect(redirect_to, result)


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return ""

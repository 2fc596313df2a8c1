"""The elder-friendly mode (适老化): larger text and controls and a high-contrast
palette, chosen with the switch in the header.

A user's choice is kept on her account, so that it follows her to every browser she
logs in from; an anonymous visitor's in a cookie of the browser. The switch sets the
cookie for users too, so the login page after a log-out keeps looking the same, and
a visitor who turns it on before logging in keeps it after.
"""

import datetime

from django.conf import settings

COOKIE = "elder_mode"
COOKIE_AGE = datetime.timedelta(days=365)


def elder_mode_of(request) -> bool:
    """Whether the page answering `request` is drawn in the elder-friendly mode: the
    user's setting when she is logged in, else the browser's cookie."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.elder_mode
    return request.COOKIES.get(COOKIE) == "1"


def elder_mode_keep_at_login(request) -> None:
    """The mode turned on before logging in (at the login page, say) stays on: the
    account, just logged in, keeps it. A browser's "off" never turns an account's off."""
    user = request.user
    if request.COOKIES.get(COOKIE) == "1" and not user.elder_mode:
        user.elder_mode = True
        user.save(update_fields=["elder_mode"])


def elder_mode_set(*, request, response, on: bool) -> None:
    """Remember the choice: on the logged-in user's account (saved at once) and in a
    cookie of `response` for the browser."""
    user = request.user
    if user.is_authenticated and user.elder_mode != on:
        user.elder_mode = on
        user.save(update_fields=["elder_mode"])
    response.set_cookie(
        COOKIE,
        "1" if on else "0",
        max_age=int(COOKIE_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )

from django.conf import settings


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind the configured TLS proxy the first
    address of X-Forwarded-For (which that proxy sets)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def is_pk(value) -> bool:
    """Whether a posted or queried value is a primary key (ASCII digits only: "²" is a
    digit to str.isdigit but not to int)."""
    text = str(value or "")
    return text.isascii() and text.isdigit()

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The address of the client that sent `request`, or None when there is no valid
    one: the one function every throttle and django-axes (AXES_CLIENT_IP_CALLABLE)
    count clients by.

    With TRUSTED_PROXY_COUNT = 0 (no proxy) it is REMOTE_ADDR. Behind N trusted
    proxies that each append the address they received from to X-Forwarded-For (nginx's
    `$proxy_add_x_forwarded_for`), the last N entries were written by them and the Nth
    from the right is the one the outermost proxy saw: the client. Everything to its
    left came from the client and is not looked at, so a client cannot choose its
    address by sending a header of its own. A header shorter than N entries, or an
    entry that is not an IP address, means the request did not come through the proxies
    as configured: then REMOTE_ADDR is used. Addresses are returned in their canonical
    spelling, so that one IPv6 address written two ways counts once.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(entries) >= proxies and (address := _ip(entries[-proxies])):
            return address
    return _ip(request.META.get("REMOTE_ADDR", ""))


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


# The largest primary key: PostgreSQL's bigint. A longer number is no id of ours.
MAX_PK = 2**63 - 1


def is_pk(value) -> bool:
    """Whether a value from a URL, a query string or a form is a primary key: ASCII
    digits only ("²" is a digit to str.isdigit but not to int; "１" is full width),
    positive and within bigint (a larger number makes PostgreSQL refuse the query)."""
    text = str(value if value is not None else "")
    # The length first: int() refuses a numeral of more than 4,300 digits (ValueError).
    return (
        text.isascii()
        and text.isdigit()
        and len(text) <= len(str(MAX_PK))
        and 0 < int(text) <= MAX_PK
    )


def pk_or_none(value) -> int | None:
    """`value` as a primary key (is_pk), or None when it is not one."""
    return int(value) if is_pk(value) else None


def pk_or_404(value) -> int:
    """`value` as a primary key (is_pk); Http404 when it is not one, as for an id
    that names nothing."""
    from django.http import Http404

    if not is_pk(value):
        raise Http404
    return int(value)

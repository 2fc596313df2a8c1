"""Login with the ID-card number or the mobile phone number plus password."""

import re

from django.contrib.auth.backends import ModelBackend

from portal import auth_cache
from portal.identity import normalize_id_number, normalize_phone
from portal.models import User
from portal.roles import PRELOADED, memberships_wanted, memberships_with_user


def login_lookup(login: str) -> tuple[str, str]:
    """What a login string names, as ("phone" or "id_number", value as stored): 11
    digits once normalised (１３８ ０５３１ ２０２５, 138-0531-2025, +86…) are a phone,
    anything else an ID number (full-width, spaced, lower-case x)."""
    phone = normalize_phone(login)
    if re.fullmatch(r"[0-9]{11}", phone):
        return "phone", phone
    return "id_number", normalize_id_number(login)


def find_login_user(login: str | None) -> User | None:
    """The account a login string names, or None."""
    if not login:
        return None
    field, value = login_lookup(login)
    return User.objects.filter(**{field: value}).first()


class IdNumberOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_login_user(username)
        if user is None:
            # Spend the time of a hash anyway so that timing does not reveal accounts.
            User().set_password(password or "")
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The logged-in user of a request, with her memberships where the request
        needs her roles (portal.roles.loading_memberships_with_the_user): from the
        snapshot in Redis when there is one (portal.auth_cache), else read in one
        query — never kept in the session, so a role taken away ends at the next
        request. Without Redis a request that needs no roles reads the user alone."""
        snapshot = auth_cache.get(user_id)
        if snapshot is not None:
            user, memberships = snapshot
        elif memberships_wanted() or auth_cache.enabled():
            memberships = memberships_with_user(user_id)
            user = memberships[0].user if memberships else super().get_user(user_id)
            if user is None:
                return None
            auth_cache.put(user_id, user, memberships)
        else:
            return super().get_user(user_id)
        if not self.user_can_authenticate(user):
            return None
        setattr(user, PRELOADED, memberships)
        return user


def axes_username(request, credentials) -> str:
    """Count failures per account, whether it was named by ID number or by phone."""
    login = (credentials or {}).get("username") or request.POST.get("username", "")
    user = find_login_user(login)
    return user.id_number if user else login_lookup(str(login))[1]

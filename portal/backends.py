"""Login with the ID-card number or the mobile phone number plus password."""

from django.contrib.auth.backends import ModelBackend

from portal.identity import normalize_id_number
from portal.models import User


def find_login_user(login: str | None) -> User | None:
    """The account a login string names: 11 digits are a phone, else an ID number."""
    if not login:
        return None
    login = normalize_id_number(login)
    lookup = {"phone": login} if len(login) == 11 and login.isdigit() else {"id_number": login}
    return User.objects.filter(**lookup).first()


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


def axes_username(request, credentials) -> str:
    """Count failures per account, whether it was named by ID number or by phone."""
    login = (credentials or {}).get("username") or request.POST.get("username", "")
    user = find_login_user(login)
    return user.id_number if user else normalize_id_number(login)

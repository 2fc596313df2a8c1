"""Login lock-out per account and per client address (django-axes' AXES_HANDLER).

Kept out of portal/axes_config.py: importing axes' handlers imports its models, which
an AppConfig module must not do before the apps are loaded.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one.

    AXES_LOCKOUT_PARAMETERS is [["username", "ip_address"], "ip_address"], in that
    order: failures are counted per account at one client address, and per client
    address over all accounts. Axes compares the larger count with one limit; here
    each count has its own:

    - AXES_FAILURE_LIMIT (10) failures of one account from one address lock that
      account *at that address*. A stranger elsewhere cannot lock her out (a lock per
      account alone let anyone lock anyone out, again and again);
    - AXES_CLIENT_FAILURE_LIMIT (50) failures from one address, whatever the accounts,
      lock the address. Higher, because a hospital's or a bureau's staff share one NAT
      address; low enough that guessing across many accounts is stopped.

    A successful login takes back only its own account's failures at its address:
    axes would also wipe the address's count, so that a guesser could reset it by
    logging in to an account of his own. A password reset takes back the account's
    failures everywhere (portal/password_reset.py).
    """

    def _counts(self, request, credentials) -> tuple[int, int]:
        account, client = self.get_user_attempts(request, credentials)
        return tuple(
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in (account, client)
        )

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures, expressed against AXES_FAILURE_LIMIT (which axes compares
        with): the account's at this address, or the address's scaled so that
        reaching AXES_CLIENT_FAILURE_LIMIT reaches AXES_FAILURE_LIMIT. Marks the
        request `axes_client_locked` when the address is what is locked."""
        account, client = self._counts(request, credentials)
        limit, client_limit = (
            get_failure_limit(request, credentials),
            settings.AXES_CLIENT_FAILURE_LIMIT,
        )
        request.axes_client_locked = client >= client_limit and account < limit
        return max(account, client * limit // client_limit)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        account, _client = self.filter_user_attempts(request, credentials)
        count, _deleted = account.delete()
        return count

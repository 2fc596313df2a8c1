"""The session engine with Redis (SESSION_ENGINE when REDIS_URL is set): Django's
cached_db sessions with a degraded mode for a Redis outage.

Sessions are read from Redis and written to PostgreSQL and Redis; PostgreSQL is the
truth (see the SESSION_ENGINE comment in portal/settings.py for why not the cache
engine). When Redis cannot be reached:

- reading a session falls back to the database, so every logged-in page keeps
  serving (Django's cached_db would answer the database hit by writing it back to
  the cache and fail there);
- writing one (a login, a role switch) goes to the database only;
- ending one (logout, or a login that replaces another person's session) refuses
  with the outage 503 until Redis is back: Redis may return with its copy of the
  session (it saves its data on shutdown), and an ended session must not come back.
  Replacing an anonymous session's key at login does not wait: the old key's copy
  holds nothing of the login.

Each fallback logs one WARNING line "outage: redis unavailable …" on the
"portal.outage" logger (portal.errors), not an error. A session changed while Redis
was down may read its older copy after Redis returns with its data, until that copy
expires: the active role (checked against the person's roles on every request) or
the expiry time, never who is logged in.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from portal.errors import REDIS_ERRORS, log_outage


def _outage(error: BaseException, what: str) -> None:
    log_outage("redis", error, what)


class SessionStore(cached_db.SessionStore):
    """cached_db sessions that survive a Redis outage (module docstring)."""

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except REDIS_ERRORS as error:
            _outage(error, "session read from the database")
            return self._load_from_database(cache=False)
        except Exception:
            # As Django's cached_db: a backend that refuses the key (#17810).
            data = None
        if data is None:
            return self._load_from_database(cache=True)
        return data

    def _load_from_database(self, *, cache: bool) -> dict:
        session = self._get_session_from_db()
        if not session:
            return {}
        data = self.decode(session.session_data)
        if cache:
            try:
                self._cache.set(
                    self.cache_key, data, self.get_expiry_age(expiry=session.expire_date)
                )
            except REDIS_ERRORS as error:
                _outage(error, "session not cached")
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except REDIS_ERRORS as error:
            _outage(error, "session key looked up in the database")
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except REDIS_ERRORS as error:
            _outage(error, "session written to the database only")

    def delete(self, session_key=None):
        """Delete a session (by default this one) from the database and Redis; with
        Redis unreachable, from the database only (used when a login replaces an
        anonymous session's key: that copy holds nothing worth taking)."""
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        DBStore.delete(self, session_key)
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except REDIS_ERRORS as error:
            _outage(error, "session deleted from the database only")

    def flush(self):
        """End this session (logout): its copy in Redis goes first, so with Redis
        unreachable this raises Redis's ConnectionError (the outage 503) and the
        session stays as it was."""
        if self.session_key is not None:
            self._cache.delete(self.cache_key)
        super().flush()

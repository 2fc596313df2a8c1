"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache call, and each
one builds redis-py's table of some 170 response callbacks: about a third of a
millisecond of CPU per call, four or five calls on every page of a logged-in user
(session, login snapshot, cached fragments). A client holds no connection of its own
(the pool does) and is safe to share between threads, so one per pool serves all.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    """settings.CACHES backend "portal.cache.RedisCache" (Django's, with the client
    above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

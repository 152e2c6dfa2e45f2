"""Django's Redis cache backend, with one redis.Redis client per connection pool instead of one per call.

django.core.cache.backends.redis.RedisCacheClient.get_client() builds a new redis.Redis for every cache call
(Django 5.2): its __init__ copies ~170 response callbacks into a case-insensitive dict, about a third of the CPU
of a cache round trip. A redis.Redis over a connection pool holds no connection of its own (each command takes
one from the pool and gives it back) and is safe to share between threads, so one per pool serves every call;
the pool itself still notices a fork (gunicorn workers) and opens fresh connections in the child.
Settings: onecua/settings/base.py swaps it in for a CACHE_URL of redis://.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

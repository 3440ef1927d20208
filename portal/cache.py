"""A per-process cache in front of a shared one, for entries that never change under their key."""

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache


class TieredCache(BaseCache):
    """Reads the process's own cache first, then the shared one (`BACK`, an alias such as Redis's "default"),
    keeping what it found there for the next request of this process; writes go to both.

    Only for entries whose key names everything they are made of (contacts.fragments): an entry is never
    replaced by another value under the same key, so no process can keep a stale one. Deleting reaches this
    process and the shared cache; clearing, this process only (the shared cache holds sessions too).
    """

    def __init__(self, location, params):
        options = params.get("OPTIONS", {})
        super().__init__({k: v for k, v in params.items() if k != "OPTIONS"})
        front = dict(options["FRONT"])
        self.front = LocMemCache(front.get("LOCATION", "tiered"), front)
        self.back_alias = options["BACK"]

    @property
    def back(self):
        return caches[self.back_alias]

    def get(self, key, default=None, version=None):
        missing = object()
        value = self.front.get(key, missing, version=version)
        if value is missing:
            value = self.back.get(key, missing, version=version)
            if value is missing:
                return default
            self.front.set(key, value, version=version)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        self.front.set(key, value, timeout, version=version)
        self.back.set(key, value, timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.get(key, version=version) is not None:
            return False
        self.set(key, value, timeout, version=version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        self.front.touch(key, timeout, version=version)
        return self.back.touch(key, timeout, version=version)

    def delete(self, key, version=None):
        self.front.delete(key, version=version)
        return self.back.delete(key, version=version)

    def has_key(self, key, version=None):
        return self.front.has_key(key, version=version) or self.back.has_key(key, version=version)

    def clear(self):
        self.front.clear()

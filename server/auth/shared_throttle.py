"""The login throttles of a cluster, shared through Redis: behind a load balancer that sends
each request to the next process, a guesser would otherwise get as many tries as there are
processes, and a lock on one process would not hold on the others.

`RedisThrottle` keeps `Throttle`'s rules (server/auth/throttle.py) in one Redis hash per key,
each change made atomically by a Lua script on Redis's own clock, so that processes on
machines whose clocks differ agree. A hash is forgotten an hour after its last failure.

`SharedThrottle` asks Redis and falls back to a throttle in this process's memory when
Redis fails or does not answer within half a second: a login never fails or hangs because
of Redis. After a failure Redis is left alone for a few seconds (one slow Redis costs a
login one timeout, not one per question), and the outage is logged once, when it starts.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..settings import Settings
from ..store import db as store_db
from .throttle import MAX_LOCK_SECONDS, LoginThrottle, Throttle

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 0.5  # to connect to Redis, and for each answer
RETRY_SECONDS = 5.0  # after a failure, Redis is asked again this long after at the earliest
ONCE_SECONDS = 30 * 86400  # how long an applied unlock is remembered
T = TypeVar("T")

# KEYS[1]: the key's hash. ARGV: now (empty: Redis's clock), then for a failure the limit,
# the first lock's seconds and the longest lock's. Same rules as Throttle.failed.
_NOW = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""
_RETRY_AFTER = _NOW + """
local left = (tonumber(redis.call('HGET', KEYS[1], 'until')) or 0) - now
if left <= 0 then return 0 end
return math.ceil(left)
"""
_FAILED = _NOW + """
local limit, first, longest = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local e = redis.call('HMGET', KEYS[1], 'failures', 'locks', 'last')
local failures, locks = tonumber(e[1]) or 0, tonumber(e[2]) or 0
if e[3] and now - tonumber(e[3]) > longest then  -- quiet for an hour: start over
  failures, locks = 0, 0
  redis.call('HDEL', KEYS[1], 'until')
end
failures = failures + 1
local seconds = 0
if failures >= limit then
  failures = 0
  locks = locks + 1
  seconds = math.min(longest, first * 2 ^ math.min(locks - 1, 20))
  redis.call('HSET', KEYS[1], 'until', string.format('%.6f', now + seconds))
end
redis.call('HSET', KEYS[1], 'failures', failures, 'locks', locks,
           'last', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], longest + 1)
return seconds
"""
# KEYS[1]: the mark of an unlock, KEYS[2] (if any): the key to forget. ARGV: the unlock's
# name, the mark's lifetime. 1 if this call applied it, 0 if another process had.
_ONCE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 1
"""


def namespace(settings: Settings) -> str:
    """Under the cluster's channel (store/db.py): one cluster's processes share it, two
    clusters keep apart."""
    return f"{store_db.cluster_channel(settings.database)}:throttle:"


def connect(url: str) -> redis.Redis:
    """A client that gives up quickly: short timeouts and no retries."""
    return redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0), retry_on_timeout=False, health_check_interval=0)


class RedisThrottle:
    """`Throttle` in Redis, for every process using the same `prefix`. Raises Redis's errors.
    `now` (seconds) is for tests; by default Redis's clock counts."""

    def __init__(self, client: redis.Redis, prefix: str, limit: int, lock_seconds: int,
                 now: Callable[[], float] | None = None) -> None:
        self.client = client
        self.keys = prefix + "k:"  # a key's counts
        self.marks = prefix + "once:"  # the unlocks applied to a key
        self.limit = limit
        self.lock_seconds = lock_seconds
        self.now = now
        self._retry_after = client.register_script(_RETRY_AFTER)
        self._failed = client.register_script(_FAILED)
        self._once = client.register_script(_ONCE)

    def _time(self) -> str:
        return "" if self.now is None else repr(self.now())

    def retry_after(self, key: str) -> int:
        return int(self._retry_after(keys=[self.keys + key], args=[self._time()]))

    def failed(self, key: str) -> int:
        return int(self._failed(keys=[self.keys + key], args=[
            self._time(), self.limit, self.lock_seconds, MAX_LOCK_SECONDS]))

    def succeeded(self, key: str) -> None:
        self.client.delete(self.keys + key)

    def forget(self, key: str, *, prefix: bool = False, once: str = "") -> None:
        """As Throttle.forget; an unlock named by `once` is applied by the first process to
        see it only, so that one seeing it later does not lift locks made since."""
        target = [] if prefix else [self.keys + key]
        if once:
            if not self._once(keys=[self.marks + key, *target], args=[once, ONCE_SECONDS]):
                return
        elif target:
            self.client.delete(*target)
        if prefix:
            pattern = self.keys + _glob_escaped(key) + "*"
            for found in self.client.scan_iter(match=pattern, count=1000):
                self.client.delete(found)


def _glob_escaped(text: str) -> str:
    return "".join(f"\\{c}" if c in "\\*?[]" else c for c in text)


class RedisLink:
    """One Redis for a process's throttles: whether it answers, and the outage logged once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.down = False
        self.retry_at = 0.0

    def ask(self, question: Callable[[], T], otherwise: Callable[[], T]) -> T:
        """Redis's answer, or `otherwise`'s if Redis fails or is down (it is asked again
        RETRY_SECONDS after a failure)."""
        if self.down and time.monotonic() < self.retry_at:
            return otherwise()
        try:
            answer = question()
        except (redis.RedisError, OSError) as exc:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if not self.down:
                self.down = True
                log.warning("Redis (%s) failed for the login throttles (%s): failed logins "
                            "are counted in this process only until it is back",
                            self.url, exc)
            return otherwise()
        if self.down:
            self.down = False
            log.warning("Redis (%s) is back: failed logins are counted for the whole "
                        "cluster again", self.url)
        return answer


class SharedThrottle:
    """The throttle in Redis while it answers, this process's own when it does not. A lock
    made here during an outage still holds once Redis is back; an unlock made meanwhile is
    applied to Redis when it is back."""

    def __init__(self, link: RedisLink, shared: RedisThrottle, local: Throttle) -> None:
        self.link = link
        self.shared = shared
        self.local = local
        self._unlocks: list[tuple[str, bool, str]] = []  # made while Redis was down

    def _ask(self, question: Callable[[], T], otherwise: Callable[[], T]) -> T:
        while self._unlocks:
            unlock = self._unlocks.pop(0)
            if not self.link.ask(partial(self._forget_shared, *unlock), lambda: False):
                self._unlocks.insert(0, unlock)
                return otherwise()
        return self.link.ask(question, otherwise)

    def _forget_shared(self, key: str, prefix: bool, once: str) -> bool:
        self.shared.forget(key, prefix=prefix, once=once)
        return True

    def retry_after(self, key: str) -> int:
        shared = self._ask(lambda: self.shared.retry_after(key), lambda: 0)
        return max(shared, self.local.retry_after(key))

    def failed(self, key: str) -> int:
        return self._ask(lambda: self.shared.failed(key), lambda: self.local.failed(key))

    def succeeded(self, key: str) -> None:
        self.local.succeeded(key)
        self._ask(lambda: self.shared.succeeded(key), lambda: None)

    def forget(self, key: str, *, prefix: bool = False, once: str = "") -> None:
        self.local.forget(key, prefix=prefix)
        if not self._ask(lambda: self._forget_shared(key, prefix, once), lambda: False):
            self._unlocks.append((key, prefix, once))


def login_throttles(settings: Settings) -> Callable[[str, int, int], LoginThrottle]:
    """`made(name, limit, lock_seconds)`: a throttle shared through the message queue's Redis
    if one is set, else one in memory."""
    url = settings.message_queue
    if not url:
        return lambda name, limit, lock: Throttle(limit, lock)
    client = connect(url)
    link = RedisLink(_shown(url))
    space = namespace(settings)

    def made(name: str, limit: int, lock: int) -> LoginThrottle:
        shared = RedisThrottle(client, f"{space}{name}:", limit, lock)
        return SharedThrottle(link, shared, Throttle(limit, lock))

    return made


def _shown(url: str) -> str:
    """The URL without its password, for the log."""
    return re.sub(r"//[^/@]*@", "//***@", url)

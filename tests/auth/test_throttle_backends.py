"""The login throttle's rules, the same in memory (server/auth/throttle.py) and in a real
Redis shared by several processes (server/auth/shared_throttle.py), and what happens when that
Redis is lost: logins are still throttled, in the process, without waiting on it."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis

from server.auth import shared_throttle
from server.auth.shared_throttle import RedisLink, RedisThrottle, SharedThrottle, connect
from server.auth.throttle import MAX_LOCK_SECONDS, LoginThrottle, Throttle
from tests.api.support import assert_error
from tests.auth.people import PASSWORD
from tests.auth.test_throttle import attempt, attempt_from, make_lead
from tests.cluster.cut import Cuttable
from tests.cluster.harness import REDIS
from tests.harness import ServerProcess, free_port


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def space() -> Iterator[str]:
    """A Redis key prefix of the test's own, emptied afterwards."""
    prefix = f"madoguchi-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


Make = Callable[[int, int], LoginThrottle]


@pytest.fixture(params=["memory", "redis"])
def make(request: pytest.FixtureRequest, space: str) -> tuple[Make, Clock]:
    """`make(limit, lock_seconds)`: a throttle of the kind under test, on a test clock;
    Redis ones made with the same clock share their counts (two processes)."""
    clock = Clock()
    if request.param == "memory":
        return (lambda limit, lock: Throttle(limit, lock, now=clock)), clock
    client = connect(REDIS)
    return (lambda limit, lock: RedisThrottle(client, space, limit, lock, now=clock)), clock


def fail(throttle: LoginThrottle, key: str, times: int) -> list[int]:
    return [throttle.failed(key) for _ in range(times)]


def test_the_limit_locks_and_each_further_lock_doubles_up_to_an_hour(
    make: tuple[Make, Clock],
) -> None:
    made, clock = make
    throttle = made(3, 60)
    assert throttle.retry_after("kita 10.0.0.2") == 0
    assert fail(throttle, "kita 10.0.0.2", 3) == [0, 0, 60]
    assert throttle.retry_after("kita 10.0.0.2") == 60
    assert throttle.retry_after("kita 10.0.0.3") == 0  # other keys are not locked
    clock.t += 59.5
    assert throttle.retry_after("kita 10.0.0.2") == 1  # rounded up
    clock.t += 0.5
    assert throttle.retry_after("kita 10.0.0.2") == 0
    locks = []
    for _ in range(8):
        locks.append(fail(throttle, "kita 10.0.0.2", 3)[-1])
        clock.t += locks[-1]
    assert locks == [120, 240, 480, 960, 1920, MAX_LOCK_SECONDS, MAX_LOCK_SECONDS,
                     MAX_LOCK_SECONDS]


def test_a_success_or_an_hour_without_failures_starts_over(make: tuple[Make, Clock]) -> None:
    made, clock = make
    throttle = made(2, 10)
    assert fail(throttle, "kita", 4) == [0, 10, 0, 20]
    throttle.succeeded("kita")
    assert throttle.retry_after("kita") == 0
    assert fail(throttle, "kita", 2) == [0, 10]  # the first lock's length again
    clock.t += 10
    assert fail(throttle, "kita", 1) == [0]
    clock.t += MAX_LOCK_SECONDS + 1  # quiet for an hour: the failure and the lock forgotten
    assert fail(throttle, "kita", 2) == [0, 10]
    clock.t += MAX_LOCK_SECONDS - 5  # not quite an hour: it goes on
    assert fail(throttle, "kita", 2) == [0, 20]


def test_an_unlock_forgets_a_key_or_every_key_starting_with_it(
    make: tuple[Make, Clock],
) -> None:
    made, _ = make
    throttle = made(1, 60)
    for key in ("kita", "kita 10.0.0.2", "kita 10.0.0.3", "kita2 10.0.0.2", "k*[a]? 10.0.0.4",
                "k*[a]?x 10.0.0.4"):
        assert throttle.failed(key) == 60
    throttle.forget("kita 10.0.0.2")
    assert throttle.retry_after("kita 10.0.0.2") == 0
    assert throttle.retry_after("kita 10.0.0.3") == 60
    throttle.forget("kita ", prefix=True, once="2026-01-05T09:00:00+00:00")
    assert [throttle.retry_after(k) for k in ("kita", "kita 10.0.0.3", "kita2 10.0.0.2")] == [
        60, 0, 60]
    throttle.forget("k*[a]? ", prefix=True)  # a user name is no pattern
    assert throttle.retry_after("k*[a]? 10.0.0.4") == 0
    assert throttle.retry_after("k*[a]?x 10.0.0.4") == 60


def test_two_processes_share_counts_locks_successes_and_unlocks(space: str) -> None:
    clock = Clock()
    here, there = (RedisThrottle(connect(REDIS), space, 4, 30, now=clock) for _ in range(2))
    assert [here.failed("kita"), there.failed("kita"), here.failed("kita"),
            there.failed("kita")] == [0, 0, 0, 30]
    assert here.retry_after("kita") == there.retry_after("kita") == 30
    there.succeeded("kita")
    assert here.retry_after("kita") == 0
    assert fail(here, "kita", 3) + fail(there, "kita", 1) == [0, 0, 0, 30]
    # An administrator's unlock is applied by the first process to hear of it only: one
    # hearing of it later does not lift a lock made since.
    here.forget("kita", once="2026-01-05T09:00:00+00:00")
    assert there.retry_after("kita") == 0
    assert fail(here, "kita", 4)[-1] == 30
    there.forget("kita", once="2026-01-05T09:00:00+00:00")
    assert here.retry_after("kita") == 30
    there.forget("kita", once="2026-01-05T10:00:00+00:00")  # a later unlock
    assert here.retry_after("kita") == 0


def test_by_default_redis_keeps_the_time_and_forgets_a_quiet_key(space: str) -> None:
    client = connect(REDIS)
    throttle = RedisThrottle(client, space, 1, 60)
    assert throttle.failed("kita") == 60
    assert throttle.retry_after("kita") == 60
    assert 0 < client.ttl(f"{space}k:kita") <= MAX_LOCK_SECONDS + 1


# ---- Redis lost ---------------------------------------------------------------------------


@pytest.fixture
def relay() -> Iterator[Cuttable]:
    host, _, port = REDIS.split("//")[1].split("/")[0].partition(":")
    link = Cuttable((host, int(port or 6379)))
    yield link
    link.close()


def shared(relay: Cuttable, space: str, clock: Clock, link: RedisLink | None = None,
           ) -> SharedThrottle:
    client = connect(f"redis://127.0.0.1:{relay.port}/0")
    return SharedThrottle(link or RedisLink("redis://test"),
                          RedisThrottle(client, space, 3, 60, now=clock),
                          Throttle(3, 60, now=clock))


def test_a_lost_redis_leaves_the_counting_to_the_process_and_is_logged_once(
    relay: Cuttable, space: str, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared_throttle, "RETRY_SECONDS", 0.3)
    clock = Clock()
    link = RedisLink("redis://test")
    throttle, other = shared(relay, space, clock, link), shared(relay, space, clock)
    assert fail(throttle, "kita", 2) == [0, 0]  # in Redis
    relay.cut()  # refused at once
    caplog.set_level(logging.WARNING, logger=shared_throttle.__name__)
    started = time.monotonic()
    assert fail(throttle, "kita", 3) == [0, 0, 60]  # counted here
    assert throttle.retry_after("kita") == 60
    for _ in range(20):
        throttle.retry_after("kita")
    assert time.monotonic() - started < 1
    lost = [r for r in caplog.records if "failed for the login throttles" in r.getMessage()]
    assert len(lost) == 1, caplog.text
    throttle.forget("kita", once="2026-01-05T09:00:00+00:00")  # an unlock meanwhile
    assert throttle.retry_after("kita") == 0
    assert fail(throttle, "kita", 3) == [0, 0, 60]

    relay.mend()
    time.sleep(0.4)
    assert throttle.retry_after("kita") == 60  # its own lock holds when Redis is back
    assert "is back" in caplog.text
    # The unlock reached Redis once it was back: the two failures there before are gone.
    assert fail(other, "kita", 3) == [0, 0, 60]


def test_a_redis_that_does_not_answer_costs_one_short_wait_then_none(
    relay: Cuttable, space: str,
) -> None:
    clock = Clock()
    throttle = shared(relay, space, clock)
    assert throttle.failed("kita") == 0  # connected
    relay.hold()  # the connection open, nothing answered
    started = time.monotonic()
    assert throttle.retry_after("kita") == 0
    assert time.monotonic() - started < 1.5  # one timeout of half a second
    started = time.monotonic()
    assert fail(throttle, "kita", 3) == [0, 0, 60]
    assert throttle.retry_after("kita") == 60
    assert time.monotonic() - started < 0.2  # not asked again for a while
    relay.release()


def test_a_server_whose_redis_is_down_still_throttles_logins_promptly(
    own_server: Callable[..., ServerProcess],
) -> None:
    """A message queue on a port where nothing listens: logins work and are throttled in the
    process, none waiting on Redis."""
    server = own_server(MADOGUCHI_LOGIN_ATTEMPTS="3", MADOGUCHI_LOGIN_LOCK_SECONDS="600",
                        MADOGUCHI_MESSAGE_QUEUE=f"redis://127.0.0.1:{free_port()}/0")
    make_lead(server)
    started = time.monotonic()
    for _ in range(3):
        assert_error(attempt(server, "kita.lead", "guess")[0], 401, "invalid_credentials")
    refused, headers = attempt(server, "kita.lead", PASSWORD)
    assert_error(refused, 429, "too_many_attempts")
    assert headers["Retry-After"] == "600"
    assert attempt_from("127.0.0.3", server, "kita.lead", PASSWORD)[0].status == 200
    assert time.monotonic() - started < 5, "a login waited on the lost Redis"
    assert server.log.read_text().count("failed for the login throttles") == 1

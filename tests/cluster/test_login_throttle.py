"""Failed logins, and wrong booking codes, are counted for the whole cluster
(server/auth/shared_throttle.py): behind a load balancer that sends each request to the next
process, a guesser got as many tries as there were processes, and a lock on one process did
not hold on the others."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.api.support import assert_error
from tests.auth.people import PASSWORD
from tests.auth.test_throttle import attempt
from tests.cluster.harness import Cluster
from tests.harness import ADMIN, ServerProcess, eventually


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    made = Cluster(tmp_path_factory.mktemp("throttle"), ["a"], env={
        "MADOGUCHI_LOGIN_ATTEMPTS": "3", "MADOGUCHI_LOGIN_LOCK_SECONDS": "600"}).start()
    yield made
    made.stop()


def listed(server: ServerProcess, username: str) -> bool:
    accounts = server.request("GET", "/api/accounts", ADMIN).body["accounts"]
    return any(account["username"] == username for account in accounts)


def new_account(cluster: Cluster) -> str:
    """An account made on the first process, once every process knows it (they read the
    accounts every second)."""
    username = f"staff-{uuid.uuid4().hex[:8]}"
    made = cluster.processes[0].request("POST", "/api/accounts", ADMIN, {
        "username": username, "role": "staff", "password": PASSWORD, "site": "a",
        "organisations": ["city"]})
    assert made.status == 201, made.body
    for server in cluster.processes:
        assert eventually(lambda: listed(server, username), timeout=10)  # noqa: B023
    return username


def test_failures_on_alternate_processes_lock_the_name_as_on_one(cluster: Cluster) -> None:
    a, b = cluster.processes
    username = new_account(cluster)
    for server in (a, b, a):  # three failures, as one process allows
        assert_error(attempt(server, username, "guess")[0], 401, "invalid_credentials")
    for server in (b, a):  # the lock holds on both
        refused, headers = attempt(server, username, PASSWORD)
        assert_error(refused, 429, "too_many_attempts")
        assert refused.body["lock"] == "account_address" and headers["Retry-After"] == "600"


def test_an_unlock_on_one_process_holds_on_the_other_and_is_applied_once(
    cluster: Cluster,
) -> None:
    a, b = cluster.processes
    username = new_account(cluster)
    for server in (b, a, b):
        assert attempt(server, username, "guess")[0].status == 401
    assert attempt(b, username, PASSWORD)[0].status == 429
    lifted = a.request("POST", f"/api/accounts/{username}/unlock", ADMIN, {})
    assert lifted.status == 200, lifted.body
    accepted, _ = attempt(b, username, PASSWORD)  # at once, before b reads the unlock
    assert accepted.status == 200, accepted.body

    for server in (a, b, a):  # locked again, after the unlock
        assert attempt(server, username, "guess")[0].status == 401
    # b hears of the unlock at its next full read of the accounts: an account made on a
    # after the unlock is listed by b once b has read them since.
    new_account(cluster)
    assert listed(b, username)  # which applies the unlocks b heard of
    # The unlock was applied by a already: b hearing of it later lifts nothing.
    refused, _ = attempt(b, username, PASSWORD)
    assert_error(refused, 429, "too_many_attempts")


def test_wrong_booking_codes_on_alternate_processes_lock_the_client_as_on_one(
        cluster: Cluster) -> None:
    from server.bookings import CODE_FAILURES
    from server.domain.appointments import new_code

    a, b = cluster.processes
    for n in range(CODE_FAILURES - 1):  # one fewer wrong code than one process allows
        miss = (a, b)[n % 2].request("GET", f"/b/{new_code()}")
        assert miss.status == 404, (n, miss.status)
    locked = b.request("GET", f"/b/{new_code()}")  # the last it allows locks the client
    assert locked.status == 429 and "予約番号の誤りが続きました" in locked.body, locked.body
    assert a.request("GET", f"/b/{new_code()}").status == 429  # on every process

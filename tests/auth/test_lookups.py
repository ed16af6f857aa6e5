"""A token or login not in memory is looked up in the store before it is refused (made on
another process of a cluster since this one last read them all), with the same checks as
one in memory, and a made-up one does not make every request a query.

On the app in the test process: what another process would have stored is written to the
store here and taken out of this one's memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from server.auth.lookups import Lookups
from server.auth.registry import Credentials
from server.services import services_of
from server.store import accounts as account_store
from server.store import devices as device_store
from server.store import schema
from server.store.accounts import session_hash
from server.store.devices import Device, new_token, token_hash
from tests.appclient import InProcessApp
from tests.auth.people import PASSWORD
from tests.harness import ADMIN


class Counted:
    """A store function, counting its calls."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.fn(*args)


@pytest.fixture
def app(make_app: Any) -> InProcessApp:
    return make_app(("a",))  # type: ignore[no-any-return]


@pytest.fixture
def finds(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counted]:
    counted = {"session": Counted(account_store.find_session),
               "device": Counted(device_store.find_device)}
    monkeypatch.setattr(account_store, "find_session", counted["session"])
    monkeypatch.setattr(device_store, "find_device", counted["device"])
    return counted


def credentials(app: InProcessApp) -> Credentials:
    return services_of(app.app).auth.credentials  # type: ignore[no-any-return]


def forgotten_login(app: InProcessApp, username: str) -> tuple[Credentials, str, Any]:
    """A new account's login, made here and then taken out of memory, as if made by another
    process: the credentials, the login's hash and its record."""
    made = app.request("POST", "/api/accounts", ADMIN, {
        "username": username, "role": "staff", "password": PASSWORD, "site": "a",
        "organisations": ["city"]})
    assert made.status == 201, made.body
    login = app.request("POST", "/api/session", json={"username": username,
                                                      "password": PASSWORD})
    assert login.status == 200, login.body
    held = credentials(app)
    with app.http.session_transaction() as session:
        id_hash = session_hash(session["sid"])
    return held, id_hash, held.sessions.pop(id_hash)


def issue(app: InProcessApp, token: str) -> int:
    return app.request("POST", "/api/sites/a/tickets", token, {"services": ["job"]},
                       key=uuid.uuid4().hex).status


def test_a_made_up_token_or_cookie_is_looked_up_once_and_lookups_are_bounded(
        app: InProcessApp, finds: dict[str, Counted]) -> None:
    for _ in range(50):
        assert issue(app, "made-up-token-0123") == 401
    assert finds["device"].calls == 1  # the miss is remembered
    assert issue(app, "x" * 300) == 401 and finds["device"].calls == 1  # not a token: not asked
    held = credentials(app)
    held.device_lookups = Lookups(per_second=5, now=lambda: 100.0)  # one second, frozen
    for _ in range(50):
        assert issue(app, new_token()) == 401  # a new one each time
    assert finds["device"].calls == 1 + 5
    # A signed cookie naming a login nobody made (the key signs it: only a former login's).
    with app.http.session_transaction() as session:
        session["sid"] = "no-such-login"
    for _ in range(50):
        assert app.request("GET", "/api/session").error == "session_expired"
    assert finds["session"].calls == 1
    assert len(held.session_lookups.misses) == 1


def test_a_login_made_elsewhere_is_taken_in_but_an_ended_one_is_still_refused(
        app: InProcessApp, finds: dict[str, Counted]) -> None:
    held, id_hash, record = forgotten_login(app, "elsewhere")
    del held.accounts[record.account_id]
    for _ in range(3):
        asked = app.request("GET", "/api/session")
        assert asked.status == 200 and asked.body["user"]["username"] == "elsewhere"
    assert finds["session"].calls == 1  # then served from memory
    assert held.accounts[record.account_id].username == "elsewhere"

    auth = services_of(app.app).auth
    account_store.revoke_session(auth.writer, id_hash, auth.clock.now())  # by another process
    del held.sessions[id_hash]
    assert app.request("GET", "/api/session").error == "session_expired"
    held.refresh()  # the full read does not bring it back to life
    assert held.sessions[id_hash].revoked_at is not None
    assert app.request("GET", "/api/session").error == "session_expired"
    assert finds["session"].calls == 2


def test_a_disabled_account_s_login_is_refused_when_looked_up(
        app: InProcessApp, finds: dict[str, Counted]) -> None:
    held, id_hash, record = forgotten_login(app, "gone")
    del held.accounts[record.account_id]
    auth = services_of(app.app).auth
    with auth.writer.begin() as conn:  # disabled elsewhere, its session not (yet) revoked
        conn.execute(schema.accounts.update().where(schema.accounts.c.id == record.account_id)
                     .values(disabled_at=auth.clock.now()))
    assert app.request("GET", "/api/session").error == "session_expired"
    assert finds["session"].calls == 1


def test_a_device_paired_elsewhere_is_taken_in_and_a_revoked_one_refused(
        app: InProcessApp, finds: dict[str, Counted]) -> None:
    auth = services_of(app.app).auth
    kiosk, display = new_token(), new_token()
    for token, role in ((kiosk, "kiosk"), (display, "display")):
        device_store.add_device(auth.writer, Device(f"a-{role}-elsewhere", role, "a", role),
                                token_hash(token), auth.clock.now())
    assert issue(app, kiosk) == 201
    assert issue(app, kiosk) == 201
    socket = app.socket(display)  # a socket's token too
    assert socket.is_connected()
    assert finds["device"].calls == 2
    held = credentials(app)
    device_store.revoke_device(auth.writer, "a-kiosk-elsewhere", auth.clock.now())
    del held.devices[token_hash(kiosk)]
    assert issue(app, kiosk) == 401
    held.refresh()
    assert issue(app, kiosk) == 401


def test_a_revocation_made_here_during_a_lookup_is_not_undone_by_it(
        app: InProcessApp, finds: dict[str, Counted]) -> None:
    """The account's logins ended here (stored, then in memory) while the lookup was reading:
    what it read before is not put back in memory."""
    held, id_hash, record = forgotten_login(app, "racing")
    auth = services_of(app.app).auth
    offload = held.offload

    def revoked_meanwhile(read: Callable[[], Any]) -> Any:
        found = offload(read)
        if finds["session"].calls == 1:
            now = auth.clock.now()
            account_store.revoke_session(auth.writer, id_hash, now)
            held.end_sessions(now, account_id=record.account_id)
        return found

    held.offload = revoked_meanwhile
    assert app.request("GET", "/api/session").error == "session_expired"
    assert finds["session"].calls == 2 and held.sessions[id_hash].revoked_at is not None


def test_the_misses_kept_are_bounded_and_forgotten_in_time() -> None:
    clock = [0.0]
    lookups = Lookups(per_second=1000, remember=10, most=3, now=lambda: clock[0])
    for n in range(10):
        assert lookups.allowed(f"k{n}")
        lookups.missed(f"k{n}")
    assert list(lookups.misses) == ["k7", "k8", "k9"]
    assert not lookups.allowed("k9") and lookups.allowed("k1")
    clock[0] = 10.0
    assert lookups.allowed("k9")  # its time is up: asked again
    lookups.missed("k1")
    assert list(lookups.misses) == ["k1"]  # the expired ones went first


def test_a_full_read_is_never_thrown_away_and_changes_made_during_it_are_kept(
        app: InProcessApp) -> None:
    """Logins made here during every full read of the credentials (a morning's rush) do not
    put off the others' revocations for ever: each read is taken in, and what was changed
    here while it read is made again on it (it may have been read before it was stored)."""
    auth = services_of(app.app).auth
    held = credentials(app)
    kiosk = new_token()
    device_store.add_device(auth.writer, Device("a-kiosk-rush", "kiosk", "a", "kiosk"),
                            token_hash(kiosk), auth.clock.now())
    assert issue(app, kiosk) == 201
    device_store.revoke_device(auth.writer, "a-kiosk-rush", auth.clock.now())  # elsewhere
    real_offload = held.offload
    logins: list[str] = []

    def offload_with_a_login_meanwhile(work: Callable[[], Any]) -> Any:
        read = real_offload(work)
        name = f"rush-{len(logins)}"  # an account made here (stored, then in memory)
        held.put_account(account_store.create_account(  # meanwhile: after the read's start
            auth.writer, name, name, "staff", "a", ["city"], "x", auth.clock.now()))
        logins.append(name)
        return read

    held.offload = offload_with_a_login_meanwhile  # type: ignore[method-assign]
    for _ in range(3):
        held.refresh()
    held.offload = real_offload  # type: ignore[method-assign]
    assert token_hash(kiosk) not in held.devices  # the revocation read is taken in
    assert issue(app, kiosk) == 401
    kept = {account.username for account in held.accounts.values()}
    assert set(logins) <= kept  # and what was made here while each read ran is not lost

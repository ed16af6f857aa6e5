"""Each process reads the stored credentials again every second, but only the tables another
process (or the command line) changed since its last read: triggers count the changes
(migration 0012), on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from server.auth.registry import Credentials
from server.services import services_of
from server.store import accounts as account_store
from server.store import devices as device_store
from server.store.accounts import SessionRecord
from server.store.devices import Device, new_token, token_hash
from tests.appclient import InProcessApp
from tests.auth.test_lookups import Counted

pytestmark = pytest.mark.both_stores
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def test_the_triggers_count_each_change_to_credentials_but_not_a_new_login(
        store: Engine) -> None:
    def moved(change: Callable[[], Any]) -> dict[str, int]:
        before = account_store.credential_versions(store)
        change()
        after = account_store.credential_versions(store)
        return {name: after[name] - before[name] for name in after if after[name] != before[name]}

    assert set(account_store.credential_versions(store)) == {"accounts", "devices", "sessions"}
    account = account_store.create_account(store, "sato", "佐藤", "staff", "a", ["city"], "x",
                                           NOW)
    assert moved(lambda: account_store.create_account(
        store, "suzuki", "鈴木", "staff", "a", ["city"], "x", NOW)) == {"accounts": 1}
    kiosk = Device("a-kiosk-9", "kiosk", "a", "kiosk")
    assert moved(lambda: device_store.add_device(store, kiosk, token_hash(new_token()),
                                                 NOW)) == {"devices": 1}
    login = SessionRecord("h" * 64, account.id, NOW, NOW + timedelta(hours=8))
    # A new login is looked up where it is first used: not counted.
    assert moved(lambda: account_store.add_session(store, login, None)) == {}
    assert moved(lambda: account_store.revoke_session(store, login.id_hash, NOW)) == {
        "sessions": 1}
    assert moved(lambda: device_store.revoke_device(store, kiosk.id, NOW)) == {"devices": 1}
    assert moved(lambda: account_store.set_disabled(store, account.id, True, NOW))[
        "accounts"] == 1


def test_a_refresh_reads_again_only_the_tables_changed_elsewhere(
        make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app: InProcessApp = make_app(("a",))
    auth = services_of(app.app).auth
    held: Credentials = auth.credentials
    reads = {"devices": Counted(device_store.active_devices),
             "accounts": Counted(account_store.all_accounts),
             "sessions": Counted(account_store.live_sessions)}
    monkeypatch.setattr(device_store, "active_devices", reads["devices"])
    monkeypatch.setattr(account_store, "all_accounts", reads["accounts"])
    monkeypatch.setattr(account_store, "live_sessions", reads["sessions"])

    def refreshed() -> dict[str, int]:
        before = {name: read.calls for name, read in reads.items()}
        held.refresh()
        return {name: read.calls - before[name] for name, read in reads.items()
                if read.calls != before[name]}

    refreshed()
    assert refreshed() == {}  # nothing changed: nothing read but the counts
    kiosk = new_token()
    device_store.add_device(auth.writer, Device("a-kiosk-x", "kiosk", "a", "kiosk"),
                            token_hash(kiosk), auth.clock.now())  # by another process
    assert refreshed() == {"devices": 1}
    assert app.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]},
                       key=uuid.uuid4().hex).status == 201
    assert refreshed() == {}
    device_store.revoke_device(auth.writer, "a-kiosk-x", auth.clock.now())  # elsewhere
    assert refreshed() == {"devices": 1}
    assert token_hash(kiosk) not in held.devices
    assert app.request("POST", "/api/sites/a/tickets", kiosk, {"services": ["job"]},
                       key=uuid.uuid4().hex).status == 401

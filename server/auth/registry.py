"""The credentials in force: device tokens, accounts and login sessions, held in memory.

Every request asks this registry who it comes from, so the answer must not wait on the
database. Changes made by this server apply at once; changes made by the command line (in
another process) are read back every REFRESH_SECONDS, each table only when its count of
changes (kept by triggers: store/accounts.py `credential_versions`) moved. A token or login not
in memory is looked up by itself before it is refused (server/auth/lookups.py bounds how
often): in a cluster, a console may log in on one process and send its next request to
another.
Connected sockets are re-checked whenever something changes, and those whose credential
ended are disconnected.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import gevent
from sqlalchemy import Engine

from ..domain.clock import Clock
from ..domain.errors import Unavailable
from ..store import accounts as account_store
from ..store import devices as device_store
from ..store.accounts import Account, SessionRecord
from ..store.devices import Device, token_hash
from .lookups import Lookups

log = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0
LOOKUP_SECONDS = 3.0  # a credential's lookup not answered in this long: 503, not a refusal
Offload = Callable[[Callable[[], Any]], Any]
T = TypeVar("T")
# The tokens a site file may give (server/sitedevices.py) or pairing makes, of sane length:
# anything else is not worth a query.
WELL_FORMED_TOKEN = re.compile(r"\S{8,256}")


@dataclass(frozen=True)
class _Stored:
    """What a read found: the change counts (store/accounts.py `credential_versions`), and
    each table read again because its count moved (None: not read, unchanged)."""
    versions: dict[str, int]
    devices: dict[str, Device] | None
    accounts: dict[int, Account] | None
    sessions: dict[str, SessionRecord] | None


def as_principal(account: Account) -> Device:
    """A logged-in person, in the shape every handler already knows: they act by username."""
    return Device(
        account.username,
        account.role,
        account.site_id,
        account.name,
        kind="user",
        organisations=account.organisations,
    )


class Credentials:
    """Who may call, right now."""

    def __init__(self, reader: Engine, clock: Clock, offload: Offload) -> None:
        self.reader = reader
        self.clock = clock
        self.offload = offload
        self.devices: dict[str, Device] = {}  # by token hash
        self.accounts: dict[int, Account] = {}
        self.sessions: dict[str, SessionRecord] = {}  # by session id hash
        self.sockets: dict[str, tuple[str, str]] = {}  # sid -> ("device"|"session", hash)
        self.disconnect: Callable[[str], None] = lambda sid: None
        self.device_lookups = Lookups()
        self.session_lookups = Lookups()  # apart: made-up tokens do not use up logins' turns
        self.account_lookups = Lookups()
        self._version = 0  # counts the changes made here (a lookup reads again if one came)
        self._versions: dict[str, int] = {}  # the stored change counts at the last read
        self._replay: list[Callable[[], object]] | None = None  # made during a full read
        self._watcher: gevent.Greenlet | None = None

    # ---- loading and refreshing ----------------------------------------------------------

    def _read(self) -> _Stored:
        """The tables whose change count moved since the last read (all of them the first
        time), the counts read first: a change made meanwhile is read again next time."""
        versions = account_store.credential_versions(self.reader)

        def stale(name: str) -> bool:
            return name not in versions or versions[name] != self._versions.get(name)

        return _Stored(
            versions,
            device_store.active_devices(self.reader) if stale("devices") else None,
            {a.id: a for a in account_store.all_accounts(self.reader)}
            if stale("accounts") else None,
            {s.id_hash: s for s in account_store.live_sessions(self.reader, self.clock.now())}
            if stale("sessions") else None,
        )

    def _apply(self, stored: _Stored) -> None:
        if stored.devices is not None:
            self.devices = stored.devices
        if stored.accounts is not None:
            self.accounts = stored.accounts
        if stored.sessions is not None:
            self.sessions = stored.sessions
        else:  # not read again: the expired are let go here (memory holds a day's at most)
            now = self.clock.now()
            for key in [k for k, s in self.sessions.items() if s.expires_at <= now]:
                self.sessions.pop(key, None)
        self._versions = stored.versions

    def load(self) -> None:
        self._apply(self._read())

    def refresh(self) -> None:
        """Read the stored credentials again (off the event loop). The changes made here
        while it read (each stored before it is made in memory) are made again on what it
        read, which may not have them: they are never undone, and a read is never thrown
        away (a steady stream of logins could put the others' revocations off for ever)."""
        if self._replay is not None:
            return  # one read at a time
        self._replay = []
        try:
            stored = self.offload(self._read)
            self._apply(stored)
            for change in self._replay:
                change()
        finally:
            self._replay = None
        self.sweep()

    def watch(self) -> None:
        self._watcher = gevent.spawn(self._watch)

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.kill()
            self._watcher = None

    def _watch(self) -> None:
        while True:
            gevent.sleep(REFRESH_SECONDS)
            try:
                self.refresh()
            except Exception:
                log.exception("reading the credentials failed; keeping the ones in memory")

    def _change(self, change: Callable[[], object], sweep: bool = True) -> None:
        """Make a change here (and again on a full read in progress: `refresh`); `sweep`:
        it may have ended some socket's credential."""
        change()
        if self._replay is not None:
            self._replay.append(change)
        self._version += 1
        if sweep:
            self.sweep()

    # ---- who is calling ------------------------------------------------------------------

    def device(self, token: str) -> Device | None:
        """The device of a token; one not in memory is looked up (paired on another process
        since the last read)."""
        key = token_hash(token)
        found = self.devices.get(key)
        if found is None and WELL_FORMED_TOKEN.fullmatch(token) and (
            self.device_lookups.allowed(key)
        ):
            stored = self._look_up(lambda: device_store.find_device(self.reader, key))
            if stored is None:
                self.device_lookups.missed(key)
            else:  # what is in memory wins
                self._change(lambda: self.devices.setdefault(key, stored), sweep=False)
                found = self.devices[key]
        return found

    def account_named(self, username: str) -> Account | None:
        """An account by its name; one not in memory is looked up (made on another process
        since the last read: its new user logs in at once through any process)."""
        found = next((a for a in self.accounts.values() if a.username == username), None)
        if found is None and 0 < len(username) <= 256 and self.account_lookups.allowed(
                username):
            stored = self._look_up(lambda: account_store.find_account(self.reader, username))
            if stored is None:
                self.account_lookups.missed(username)
            else:  # what is in memory wins
                self._change(lambda: self.accounts.setdefault(stored.id, stored), sweep=False)
                found = self.accounts[stored.id]
        return found

    def session(self, id_hash: str) -> tuple[Device, SessionRecord] | None:
        """The person behind a live session, or None if it ended, expired or was revoked. One
        not in memory is looked up (a login made on another process since the last read)."""
        if id_hash not in self.sessions and self.session_lookups.allowed(id_hash):
            found = self._look_up(lambda: account_store.find_session(self.reader, id_hash))
            if found is not None:
                record, account = found  # what is in memory wins: it may be newer

                def keep() -> None:
                    self.sessions.setdefault(id_hash, record)
                    self.accounts.setdefault(account.id, account)
                self._change(keep, sweep=False)
            if self._live(id_hash) is None:
                self.session_lookups.missed(id_hash)
        return self._live(id_hash)

    def _live(self, id_hash: str) -> tuple[Device, SessionRecord] | None:
        """The session's person, as memory has it (the checks of `session`)."""
        record = self.sessions.get(id_hash)
        if record is None or record.revoked_at is not None:
            return None
        if record.expires_at <= self.clock.now():
            return None
        account = self.accounts.get(record.account_id)
        if account is None or not account.active:
            return None
        return as_principal(account), record

    def _look_up(self, read: Callable[[], T | None]) -> T | None:
        """One credential read from the store, off the event loop. A change made here while
        reading (a logout, a revocation: stored first, then applied in memory) may have been
        read before it was stored: then read again. The caller keeps what was found as a
        change made here (a full read begun before may not have it)."""
        for _ in range(3):
            version = self._version
            limit = gevent.Timeout(LOOKUP_SECONDS)
            try:
                with limit:
                    found = self.offload(read)
            except gevent.Timeout as late:  # a database that does not answer: an outage,
                if late is not limit:  # not a refusal (a 401 tells a kiosk its token is bad)
                    raise
                raise Unavailable("The database does not answer: the credentials cannot be "
                                  "checked just now.", "store_unavailable") from None
            if version == self._version:
                break
        return found

    # ---- changes made by this server -----------------------------------------------------

    def put_device(self, hashed_token: str, device: Device) -> None:
        self._change(lambda: self.devices.__setitem__(hashed_token, device))

    def drop_device(self, device_id: str) -> None:
        def drop() -> None:
            for key in [k for k, d in self.devices.items() if d.id == device_id]:
                del self.devices[key]
        self._change(drop)

    def put_account(self, account: Account) -> None:
        self._change(lambda: self.accounts.__setitem__(account.id, account))

    def put_session(self, record: SessionRecord) -> None:
        self._change(lambda: self.sessions.__setitem__(record.id_hash, record))

    def end_sessions(
        self,
        now: datetime,
        account_id: int | None = None,
        id_hash: str | None = None,
        keep: str | None = None,
    ) -> None:
        """Mark sessions revoked: one by its hash, or all of an account's but `keep`."""
        def end() -> None:
            for key, record in list(self.sessions.items()):
                mine = key == id_hash or (account_id is not None
                                          and record.account_id == account_id)
                if mine and key != keep and record.revoked_at is None:
                    self.sessions[key] = replace(record, revoked_at=now)
        self._change(end)

    # ---- sockets -------------------------------------------------------------------------

    def track(self, sid: str, kind: str, key: str) -> None:
        self.sockets[sid] = (kind, key)

    def untrack(self, sid: str) -> None:
        self.sockets.pop(sid, None)

    def connected(self, device_id: str) -> int:
        """How many sockets a device has open."""
        return sum(
            1
            for kind, key in self.sockets.values()
            if kind == "device" and (d := self.devices.get(key)) and d.id == device_id
        )

    def sweep(self) -> None:
        """Disconnect every socket whose token was revoked or whose session has ended."""
        for sid, (kind, key) in list(self.sockets.items()):
            valid = key in self.devices if kind == "device" else self._live(key) is not None
            if not valid:
                self.sockets.pop(sid, None)
                try:
                    self.disconnect(sid)
                except Exception:  # the socket may be closing already
                    log.debug("could not disconnect %s", sid, exc_info=True)

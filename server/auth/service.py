"""Logging in and out, accounts, pairing and revoking devices: each change stored with its
audit row, then applied to the credentials in memory (and to connected sockets).

Password hashing and database writes run in gevent's thread pool: the event loop keeps
serving the queue meanwhile.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from ..domain.clock import Clock
from ..domain.errors import Conflict, Invalid, NotFound, unknown_counter, unknown_site
from ..domain.model import Site
from ..settings import Settings
from ..store import accounts as account_store
from ..store import devices as device_store
from ..store.accounts import Account, AccountExists, SessionRecord, session_hash
from ..store.audit import ChangeAudit, audit_row
from ..store.devices import Device
from .accounts import AccountFields, normalise_username
from .errors import InvalidCredentials, TooManyAttempts
from .pairing import Pairing, Pairings
from .passwords import decoy_hash, hash_password, needs_rehash, verify_password
from .registry import Credentials
from .shared_throttle import login_throttles
from .strength import WeakPassword, check_strength

Offload = Callable[[Callable[[], Any]], Any]
# Failed logins are counted three ways. A user name at one address is locked after
# `login_attempts` failures: whoever fails there waits, the person at their own counter does
# not. One address trying many names is locked after four times as many. The name itself,
# whatever the address, only after twenty times as many (NIST SP 800-63B: at most 100 in a
# row), which only guessing spread over many addresses reaches; an administrator lifts it.
ADDRESS_FACTOR = 4
ACCOUNT_FACTOR = 20
MAX_CHECKS_PER_ADDRESS = 4  # passwords checked at once for one address
MAX_WAITING_PER_NAME = 3  # logins of one name at one address waiting behind the one checked
CHECK_WAIT_SECONDS = 10.0  # the longest a login waits for its turn
LOCKS = {  # which lock refused a login: what the person is told
    "account": "This account is locked for {seconds} s after many failed logins from several "
    "addresses; an administrator can lift the lock (the admin page, "
    "POST /api/accounts/{username}/unlock or 'madoguchi user unlock {username}').",
    "account_address": "Too many failed logins for this user name from this address: try again "
    "in {seconds} s (logins from other addresses are not affected).",
    "address": "Too many failed logins from this address: its logins are refused for "
    "{seconds} s.",
}


class _Turn:
    """The logins of one name at one address: the one being checked holds the lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class AuthService:
    """Everything about who may call, for the HTTP API, the admin page and Socket.IO."""

    def __init__(
        self,
        settings: Settings,
        writer: Engine,
        reader: Engine,
        clock: Clock,
        offload: Offload,
        sites: dict[str, Site],
        defer_audit: Callable[[list[Any]], None],
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.clock = clock
        self.offload = offload
        self.sites = sites
        self.defer_audit = defer_audit
        self.credentials = Credentials(reader, clock, offload)
        attempts, lock = settings.login_attempts, settings.login_lock_seconds
        throttle = login_throttles(settings)  # in Redis if the processes share one
        self.at_address = throttle("at_address", attempts, lock)  # keys "<name> <address>"
        self.addresses = throttle("address", attempts * ADDRESS_FACTOR, lock)
        self.accounts = throttle("account", attempts * ACCOUNT_FACTOR, lock)
        self._unlocks_seen: dict[str, datetime] = {}  # user name -> the unlock applied
        self.pairings = Pairings(writer, reader, offload, settings.pairing_minutes)
        self.session_length = timedelta(hours=settings.session_hours)
        self.password_cost = settings.password_cost
        self._checking: dict[str, int] = {}  # passwords being checked, per address
        self._turns: dict[str, _Turn] = {}  # "<name> <address>" -> its checks, one at a time

    # ---- logging in and out --------------------------------------------------------------

    def login(
        self, username: str, password: str, address: str | None
    ) -> tuple[Account, str, SessionRecord]:
        """Check a password; answer the account, a new session id and its record."""
        name = normalise_username(username)[:64]
        where = address or "unknown"
        pair = f"{name} {where}"
        account = self.credentials.account_named(name)
        self._apply_unlock(name, account)
        self._refuse_if_throttled(name, where, pair)
        stored = account.password_hash if account is not None and account.active else None
        with self._turn_to_check(name, where, pair):
            matches = self.offload(lambda: verify_password(
                password, stored or decoy_hash(self.password_cost)))
            now = self.clock.now()
            if account is None or stored is None or not matches:
                locked = max(self.at_address.failed(pair), self.addresses.failed(where),
                             self.accounts.failed(name))
                row = audit_row(
                    now,
                    name,
                    "user",
                    account.role if account else None,
                    account.site_id if account else None,
                    "login_failed",
                    401,
                    f"account:{name}",
                    {"locked_for_seconds": locked} if locked else {},
                    address,
                )
                self.defer_audit([row])  # a failure changes no table: no commit of its own
                raise InvalidCredentials("The user name or the password is wrong.")
            self.at_address.succeeded(pair)
            self.accounts.succeeded(name)
        if needs_rehash(stored, self.password_cost):
            account = self._rehash(account, password)
        session_id = secrets.token_urlsafe(32)
        record = SessionRecord(session_hash(session_id), account.id, now, now + self.session_length)
        rows = [
            audit_row(
                now,
                account.username,
                "user",
                account.role,
                account.site_id,
                "login",
                200,
                f"account:{account.username}",
                address=address,
            )
        ]
        self.offload(lambda: account_store.add_session(self.writer, record, address, rows))
        self.credentials.put_session(record)
        return account, session_id, record

    def _rehash(self, account: Account, password: str) -> Account:
        """A password hashed in an older form is stored again in the current one, now that
        it is known to be right."""
        hashed = self.offload(lambda: hash_password(password, self.password_cost))
        self.offload(lambda: account_store.rehash_password(self.writer, account.id, hashed))
        account = replace(account, password_hash=hashed)
        self.credentials.put_account(account)
        return account

    def _refuse_if_throttled(self, name: str, where: str, pair: str) -> None:
        """Refuse while the name, the address or the name at this address is locked."""
        for lock, wait in (("account", self.accounts.retry_after(name)),
                           ("account_address", self.at_address.retry_after(pair)),
                           ("address", self.addresses.retry_after(where))):
            if wait:
                raise TooManyAttempts(LOCKS[lock].format(seconds=wait, username=name),
                                      retry_after=wait, lock=lock)

    @contextmanager
    def _turn_to_check(self, name: str, where: str, pair: str) -> Iterator[None]:
        """One password of a name at one address is checked at a time, and its failure
        counted before the next is checked: guesses sent all at once would otherwise all be
        checked before the first failure counts. The others wait their turn (a person who
        pressed ログイン on two screens at once gets in on both), a few at most; the locks are
        looked at again when the turn comes. An address has a few checks running at once at
        most. Others' guesses never make the name busy for this address."""
        turn = self._turns.get(pair)
        if turn is None:
            turn = self._turns[pair] = _Turn()
        if turn.users > MAX_WAITING_PER_NAME:
            raise self._busy(name)
        turn.users += 1
        try:
            if not turn.lock.acquire(timeout=CHECK_WAIT_SECONDS):
                raise self._busy(name)
            try:
                self._refuse_if_throttled(name, where, pair)
                if self._checking.get(where, 0) >= MAX_CHECKS_PER_ADDRESS:
                    raise self._busy(name)
                with self._checking_password(where):
                    yield
            finally:
                turn.lock.release()
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[pair]

    @staticmethod
    def _busy(name: str) -> TooManyAttempts:
        return TooManyAttempts(LOCKS["account_address"].format(seconds=1, username=name),
                               retry_after=1, lock="account_address")

    def locked_seconds(self, username: str) -> int:
        """How long the account itself stays locked (0: it is not)."""
        name = normalise_username(username)
        self._apply_unlock(name, self.credentials.account_named(name))
        return self.accounts.retry_after(name)

    def unlock(self, username: str, audit: ChangeAudit) -> Account:
        """Lift the locks of an account: its own and those of its name at any address. The
        time is stored, so that a server told by the command line lifts them too."""
        account = self.account(username)
        now = self.clock.now()
        audit.target = f"account:{account.username}"
        rows = audit.stored_with_change(200)
        self.offload(lambda: account_store.set_unlocked(self.writer, account.id, now, rows))
        changed = replace(account, unlocked_at=now)
        self.credentials.put_account(changed)
        self._apply_unlock(account.username, changed)
        return changed

    def _apply_unlock(self, name: str, account: Account | None) -> None:
        """Forget the failures of `name` once for each unlock stored for its account."""
        if account is None or account.unlocked_at is None:
            return
        if self._unlocks_seen.get(name) == account.unlocked_at:
            return
        self._unlocks_seen[name] = account.unlocked_at
        once = account.unlocked_at.isoformat()
        self.accounts.forget(name, once=once)
        self.at_address.forget(f"{name} ", prefix=True, once=once)

    @contextmanager
    def _checking_password(self, *keys: str) -> Iterator[None]:
        for key in keys:
            self._checking[key] = self._checking.get(key, 0) + 1
        try:
            yield
        finally:
            for key in keys:
                self._checking[key] -= 1
                if not self._checking[key]:
                    del self._checking[key]

    def logout(self, record: SessionRecord, audit: ChangeAudit) -> None:
        now = self.clock.now()
        audit.target = f"account:{audit.actor}"
        rows = audit.stored_with_change(200)
        self.offload(lambda: account_store.revoke_session(self.writer, record.id_hash, now, rows))
        self.credentials.end_sessions(now, id_hash=record.id_hash)

    def change_own_password(
        self, record: SessionRecord, current: str, new: str, audit: ChangeAudit
    ) -> None:
        """A person changes their password; their other sessions end."""
        account = self.credentials.accounts[record.account_id]
        if not self.offload(lambda: verify_password(current, account.password_hash)):
            raise InvalidCredentials("The current password is wrong.")
        self._store_password(account, new, audit, keep=record.id_hash)

    # ---- accounts ------------------------------------------------------------------------

    def account(self, username: str) -> Account:
        account = self.credentials.account_named(normalise_username(username))
        if account is None:
            raise NotFound(f"There is no account '{username}'.", "unknown_account")
        return account

    def create_account(self, fields: AccountFields, password: str, audit: ChangeAudit) -> Account:
        hashed = self._checked_hash(password, fields.username, fields.name)
        now = self.clock.now()
        audit.target = f"account:{fields.username}"
        audit.detail.update(
            {
                "role": fields.role,
                "site": fields.site_id,
                "organisations": list(fields.organisations),
            }
        )
        rows = audit.stored_with_change(201)
        try:
            account = self.offload(
                lambda: account_store.create_account(
                    self.writer,
                    fields.username,
                    fields.name,
                    fields.role,
                    fields.site_id,
                    fields.organisations,
                    hashed,
                    now,
                    rows,
                )
            )
        except AccountExists:
            audit.in_commit = False
            raise Conflict(
                f"There is already an account '{fields.username}'.", "account_exists"
            ) from None
        self.credentials.put_account(account)
        return account  # type: ignore[no-any-return]

    def set_password(self, username: str, password: str, audit: ChangeAudit) -> None:
        self._store_password(self.account(username), password, audit)

    def _store_password(
        self, account: Account, password: str, audit: ChangeAudit, keep: str | None = None
    ) -> None:
        hashed = self._checked_hash(password, account.username, account.name)
        now = self.clock.now()
        audit.target = f"account:{account.username}"
        rows = audit.stored_with_change(200)
        self.offload(
            lambda: account_store.set_password(self.writer, account.id, hashed, now, rows, keep)
        )
        self.credentials.put_account(replace(account, password_hash=hashed))
        self.credentials.end_sessions(now, account_id=account.id, keep=keep)

    def _checked_hash(self, password: str, username: str, name: str) -> str:
        """The hash of an acceptable password for this account (both off the event loop)."""
        context = [w for s in self.sites.values() for w in (s.id, s.name, s.ward)]

        def work() -> str:
            check_strength(password, username, name, context)
            return hash_password(password, self.password_cost)

        try:
            return str(self.offload(work))
        except WeakPassword as exc:
            raise Invalid(str(exc), "weak_password", field="password",
                          reason=exc.reason) from None

    def set_disabled(self, username: str, disabled: bool, audit: ChangeAudit,
                     by: Device | None = None) -> Account:
        """Disable or enable an account. Nobody locks themself out: an administrator's own
        account, or the last administrator able to log in, is never disabled here (the
        command line on the server can still do either)."""
        account = self.account(username)
        if disabled:
            self._refuse_lockout(account, by)
        now = self.clock.now()
        audit.target = f"account:{account.username}"
        rows = audit.stored_with_change(200)
        self.offload(
            lambda: account_store.set_disabled(self.writer, account.id, disabled, now, rows)
        )
        changed = replace(account, disabled_at=now if disabled else None)
        self.credentials.put_account(changed)
        if disabled:
            self.credentials.end_sessions(now, account_id=account.id)
        return changed

    def _refuse_lockout(self, account: Account, by: Device | None) -> None:
        if by is not None and by.kind == "user" and by.id == account.username:
            raise Conflict("You cannot disable your own account: ask another administrator.",
                           "own_account", account=account.username)
        others = [a for a in self.credentials.accounts.values()
                  if a.role == "admin" and a.active and a.id != account.id]
        if account.role == "admin" and account.active and not others:
            raise Conflict(f"'{account.username}' is the last administrator who can log in: "
                           "make another administrator first.", "last_admin",
                           account=account.username)

    # ---- devices -------------------------------------------------------------------------

    def start_pairing(self, address: str | None) -> Pairing:
        return self.pairings.start(self.clock.now(), address)

    def approve(self, code: str, device: Device, audit: ChangeAudit) -> Device:
        """Pair the device showing `code` as `device` (whose id is made here)."""
        self.pairings.check(code, self.clock.now())  # a wrong code is refused before an id
        device = replace(device, id=self._new_device_id(device))
        now = self.clock.now()
        audit.target = f"device:{device.id}"
        audit.detail.update(
            {
                "role": device.role,
                "area": device.area,
                "counter": device.counter_id,
                "name": device.name,
            }
        )
        rows = audit.stored_with_change(201)
        hashed = self.pairings.approve(code, device, now, rows)
        self.credentials.put_device(hashed, device)
        return device

    def _new_device_id(self, device: Device) -> str:
        known = {d.id for d in self.credentials.devices.values()}
        while True:
            candidate = f"{device.site_id}-{device.role}-{secrets.token_hex(3)}"
            if candidate not in known and not self._stored(candidate):
                return candidate

    def _stored(self, device_id: str) -> bool:
        """Whether any device, revoked ones too, has this id."""
        return bool(self.offload(lambda: device_store.device_exists(self.reader, device_id)))

    def revoke(self, device_id: str, audit: ChangeAudit) -> None:
        """The token stops working now, for HTTP and for connected sockets."""
        now = self.clock.now()
        audit.target = f"device:{device_id}"
        rows = audit.stored_with_change(200)
        if not self.offload(lambda: device_store.revoke_device(self.writer, device_id, now, rows)):
            audit.in_commit = False  # nothing was written
            if self._stored(device_id):
                raise Conflict(f"Device '{device_id}' is revoked already.", "device_revoked")
            raise NotFound(f"There is no device '{device_id}'.", "unknown_device", device=device_id)
        self.credentials.drop_device(device_id)

    def device_views(self, site_id: str | None) -> list[dict[str, Any]]:
        views: list[dict[str, Any]] = self.offload(
            lambda: device_store.all_devices(self.reader, site_id)
        )
        for view in views:
            view["connected"] = self.credentials.connected(view["id"])
        return views

    def now(self) -> datetime:
        return self.clock.now()


def device_to_pair(
    sites: dict[str, Site],
    role: str,
    site_id: str,
    name: str,
    area: str | None = None,
    counter_id: str | None = None,
) -> Device:
    """Where a new kiosk or display goes; a display shows an area, or one counter (then its
    area is that counter's). The id is given when it is paired."""
    if role not in ("kiosk", "display"):
        raise Invalid("Pair a 'kiosk' or a 'display'.", "invalid_field", field="role")
    site = sites.get(site_id)
    if site is None:
        raise unknown_site(site_id)
    name = name.strip()
    if not name:
        raise Invalid("Give the device a name.", "invalid_field", field="name")
    if role == "kiosk":
        if area or counter_id:
            raise Invalid(
                "A kiosk serves the whole site: give no area or counter.",
                "invalid_field",
                field="area" if area else "counter",
            )
        return Device("", role, site_id, name)
    if counter_id:
        counter = site.counter(counter_id)
        if counter is None:
            raise unknown_counter(site_id, counter_id)
        if area and area != counter.area:
            raise Invalid(
                f"Counter '{counter_id}' is in area '{counter.area}'.",
                "invalid_field",
                field="area",
            )
        return Device("", role, site_id, name, counter.area, counter_id)
    area = area or site.areas[0]
    if area not in site.areas:
        raise Invalid(f"Site '{site_id}' has no area '{area}'.", "invalid_field", field="area")
    return Device("", role, site_id, name, area)

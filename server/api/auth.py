"""The HTTP JSON API of logins, accounts, pairing, devices and the audit log (under /api).

These routes are declared here, not in the queue API's registry: logging in and pairing are
open to callers without a credential, which the queue API never is. `ROUTES` lists them for
the README.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, session

from ..alerts import device_room
from ..auth.accounts import account_view, checked_fields
from ..auth.service import AuthService, device_to_pair
from ..device_health import with_health
from ..domain.errors import Invalid, NotFound, Refusal
from ..services import services
from ..store import audit as audit_store
from ..store.accounts import Account, SessionRecord
from ..store.devices import Device
from ..web import audit as auditing
from ..web import caller
from ..web.endpoints import (
    Denied,
    Unauthorized,
    authenticate,
    authorize,
    error_response,
    read_body,
)
from ..web.validation import Schema, array, obj, string

bp = Blueprint("auth", __name__)
ROUTES: list[tuple[str, str, str, str]] = []  # (method, path, who may call it, summary)
ADMIN = ("admin",)
READERS = ("manager", "admin")


def auth_service() -> AuthService:
    return services().auth


def route(
    method: str,
    path: str,
    roles: tuple[str, ...] | None,
    summary: str,
    body: Schema | None = None,
    action: str | None = None,
    who: str | None = None,
) -> Callable[..., Any]:
    """Declare a route: credential and CSRF check, audit row, body check, then the handler
    (called with `device`, `body`, `audit` and the path's parameters)."""
    ROUTES.append(
        (method, "/api" + path, who or (", ".join(roles) if roles else "anyone"), summary)
    )
    flask_path = path.replace("{", "<").replace("}", ">")

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        def view(**params: Any) -> Any:
            audit = None
            try:
                device = None
                if roles is not None:
                    device = authenticate()
                    audit = auditing.begin(device, action=action)
                    authorize(device, roles, None)
                parsed = read_body(body)
                auditing.record_body(audit, parsed)
                result = handler(device=device, body=parsed, audit=audit, **params)
            except Refusal as exc:
                refusal = error_response(exc)
                if audit is not None:
                    audit.finish(refusal.status_code, exc.code)
                return refusal
            response = result if isinstance(result, Response) else _json(result)
            if audit is not None:
                audit.finish(response.status_code)
            return response

        view.__name__ = handler.__name__
        bp.add_url_rule(flask_path, endpoint=handler.__name__, view_func=view, methods=[method])
        return handler

    return decorate


def _json(result: Any) -> Response:
    status, payload = result if isinstance(result, tuple) else (200, result)
    response = jsonify(payload)
    response.status_code = status
    return response


def _site_scope(device: Device) -> str | None:
    """The site a reader may see: a manager their own, an admin the one asked (or all)."""
    wanted = request.args.get("site") or None
    if device.role == "admin":
        return wanted
    if wanted is not None and wanted != device.site_id:
        raise Denied("This credential belongs to another site.", "forbidden_site")
    return device.site_id


def _query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid(
            f"'{name}' must be a whole number from {low} to {high}.", "invalid_field", field=name
        )
    return int(raw)


# ---- logging in -----------------------------------------------------------------------------

LOGIN_BODY = obj(
    {"username": string(64), "password": string(1024)}, required=("username", "password")
)
PASSWORD_BODY = obj({"current": string(1024), "new": string(1024)}, required=("current", "new"))


def user_view(account: Account) -> dict[str, Any]:
    return {
        "username": account.username,
        "name": account.name,
        "role": account.role,
        "site": account.site_id,
        "organisations": list(account.organisations),
    }


def session_view(account: Account, record: SessionRecord) -> dict[str, Any]:
    return {
        "user": user_view(account),
        "csrf_token": caller.csrf_token(),
        "expires_at": record.expires_at.isoformat(),
    }


@route(
    "POST", "/session", None, "Log in with a user name and password (sets the cookie)", LOGIN_BODY
)
def login(device: None, body: dict[str, Any], audit: None) -> Any:
    account, session_id, record = auth_service().login(
        body["username"], body["password"], auditing.client_address()
    )
    session.clear()  # a new session id and a new CSRF token: nothing carries over
    session["sid"] = session_id
    session.permanent = True
    return session_view(account, record)


def _logged_in() -> tuple[Device, SessionRecord]:
    device = authenticate()
    if not caller.by_session():
        raise Unauthorized("No one is logged in in this browser (a device token is not a login).")
    record: SessionRecord = g.madoguchi_session
    return device, record


@route(
    "GET",
    "/session",
    None,
    "Who is logged in, with the CSRF token for changes",
    who="a logged-in person",
)
def who_is_logged_in(device: None, body: dict[str, Any], audit: None) -> Any:
    _, record = _logged_in()
    return session_view(auth_service().credentials.accounts[record.account_id], record)


@route("DELETE", "/session", None, "Log out: this login ends now", who="a logged-in person")
def logout(device: None, body: dict[str, Any], audit: None) -> Any:
    try:
        person, record = _logged_in()
    except Refusal:  # not logged in, or the login has ended: just forget the cookie
        session.clear()
        return {"logged_out": True}
    trail = auditing.begin(person, action="logout")
    assert trail is not None
    try:
        caller.check_csrf()
    except Refusal as exc:
        trail.finish(403, exc.code)
        raise
    auth_service().logout(record, trail)
    trail.finish(200)
    session.clear()
    return {"logged_out": True}


@route(
    "POST",
    "/session/password",
    ("staff", "manager", "admin"),
    "Change one's own password (other logins of the account end)",
    PASSWORD_BODY,
    action="password_changed",
    who="a logged-in person",
)
def change_password(device: Device, body: dict[str, Any], audit: auditing.RequestAudit) -> Any:
    if not caller.by_session():
        raise Denied("Only a person logged in with a password can change it.", "forbidden_role")
    auth_service().change_own_password(g.madoguchi_session, body["current"], body["new"], audit)
    return {"changed": True}


# ---- accounts -------------------------------------------------------------------------------

ACCOUNT_BODY = obj(
    {
        "username": string(64),
        "name": string(200),
        "role": string(16, enum=["staff", "manager", "admin"]),
        "site": string(64),
        "organisations": array(string(16, enum=["hellowork", "city"]), max_items=2),
        "password": string(1024),
    },
    required=("username", "role", "password"),
)
SET_PASSWORD_BODY = obj({"password": string(1024)}, required=("password",))


@route("GET", "/accounts", READERS, "Accounts: all for an admin, a manager's own site's")
def list_accounts(device: Device, body: dict[str, Any], audit: None) -> Any:
    site_id = _site_scope(device)
    found = sorted(auth_service().credentials.accounts.values(), key=lambda a: a.username)
    return {"accounts": [_account(a) for a in found if site_id is None or a.site_id == site_id]}


def _account(account: Account) -> dict[str, Any]:
    """An account as the API shows it, with how long its login stays locked (0: it is not)."""
    return {**account_view(account), "locked_seconds": auth_service().locked_seconds(
        account.username)}


@route("POST", "/accounts", ADMIN, "Create an account", ACCOUNT_BODY, action="account_created")
def create_account(device: Device, body: dict[str, Any], audit: auditing.RequestAudit) -> Any:
    service = auth_service()
    fields = checked_fields(
        body["username"],
        body.get("name"),
        body["role"],
        body.get("site"),
        body.get("organisations"),
        service.sites,
    )
    return 201, {"account": _account(service.create_account(fields, body["password"], audit))}


@route(
    "POST",
    "/accounts/{username}/password",
    ADMIN,
    "Set an account's password (its logins end)",
    SET_PASSWORD_BODY,
    action="password_set",
)
def set_password(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, username: str
) -> Any:
    auth_service().set_password(username, body["password"], audit)
    return {"changed": True}


@route(
    "POST",
    "/accounts/{username}/disable",
    ADMIN,
    "Disable an account (its logins end at once)",
    obj({}),
    action="account_disabled",
)
def disable_account(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, username: str
) -> Any:
    return {"account": _account(auth_service().set_disabled(username, True, audit, device))}


@route(
    "POST",
    "/accounts/{username}/enable",
    ADMIN,
    "Enable a disabled account",
    obj({}),
    action="account_enabled",
)
def enable_account(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, username: str
) -> Any:
    return {"account": _account(auth_service().set_disabled(username, False, audit))}


@route(
    "POST",
    "/accounts/{username}/unlock",
    ADMIN,
    "Lift an account's login locks after failed logins (its own and its name's at any "
    "address)",
    obj({}),
    action="account_unlocked",
)
def unlock_account(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, username: str
) -> Any:
    return {"account": _account(auth_service().unlock(username, audit))}


# ---- pairing and devices --------------------------------------------------------------------

APPROVE_BODY = obj(
    {
        "code": string(16),
        "role": string(16, enum=["kiosk", "display"]),
        "site": string(64),
        "area": string(64),
        "counter": string(64),
        "name": string(200),
    },
    required=("code", "role", "site", "name"),
)


@route("POST", "/pairing", None, "A new device asks for a pairing code (no credential)")
def start_pairing(device: None, body: dict[str, Any], audit: None) -> Any:
    service = auth_service()
    pairing = service.start_pairing(auditing.client_address())
    return 201, {
        "pairing_id": pairing.id,
        "code": pairing.code,
        "expires_in": pairing.seconds_left(service.now()),
    }


@route(
    "GET",
    "/pairing/{pairing_id}",
    None,
    "The device asks whether it was paired; the token is given once",
)
def poll_pairing(device: None, body: dict[str, Any], audit: None, pairing_id: str) -> Any:
    service = auth_service()
    now = service.now()
    pairing = service.pairings.poll(pairing_id, now)
    if pairing.token is None or pairing.device is None:
        return {"status": "pending", "code": pairing.code, "expires_in": pairing.seconds_left(now)}
    response = _json(
        {"status": "paired", "token": pairing.token, "device": device_view(pairing.device)}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def device_view(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "role": device.role,
        "site": device.site_id,
        "name": device.name,
        "area": device.area,
        "counter": device.counter_id,
    }


@route(
    "POST",
    "/pairing/approve",
    ADMIN,
    "Pair the device showing this code to a site (and area or counter)",
    APPROVE_BODY,
    action="pairing_approved",
)
def approve_pairing(device: Device, body: dict[str, Any], audit: auditing.RequestAudit) -> Any:
    service = auth_service()
    audit.site_id = body["site"]
    wanted = device_to_pair(
        services().sites,
        body["role"],
        body["site"],
        body["name"],
        body.get("area"),
        body.get("counter"),
    )
    return 201, {"device": device_view(service.approve(body["code"], wanted, audit))}


@route("GET", "/devices", READERS, "Devices: all for an admin, a manager's own site's")
def list_devices(device: Device, body: dict[str, Any], audit: None) -> Any:
    server = services()
    return {"devices": with_health(auth_service().device_views(_site_scope(device)),
                                   server.health, server.sites)}


@route(
    "POST",
    "/devices/{device_id}/revoke",
    ADMIN,
    "Revoke a device's token: it stops working now, sockets too",
    obj({}),
    action="device_revoked",
)
def revoke_device(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, device_id: str
) -> Any:
    auth_service().revoke(device_id, audit)
    return {"device": device_id, "revoked": True}


@route(
    "POST",
    "/devices/{device_id}/sound-test",
    ADMIN,
    "Ask a display to play its test sound; it reports how that went (GET /devices)",
    obj({}),
    action="sound_tested",
)
def sound_test(
    device: Device, body: dict[str, Any], audit: auditing.RequestAudit, device_id: str
) -> Any:
    audit.target = f"device:{device_id}"
    found = next((d for d in auth_service().credentials.devices.values() if d.id == device_id),
                 None)
    if found is None or found.role != "display":
        raise NotFound(f"There is no display '{device_id}'.", "unknown_device",
                       device=device_id)
    services().socketio.emit("sound_test", {"device": device_id}, to=device_room(device_id))
    return 202, {"device": device_id, "sent": True}


# ---- the audit log --------------------------------------------------------------------------


@route(
    "GET",
    "/audit",
    READERS,
    "The audit log after a number: all for an admin, a manager's own site's",
)
def read_audit(device: Device, body: dict[str, Any], audit: None) -> Any:
    site_id = _site_scope(device)
    since = _query_int("since", 0, 0, 2**53)
    limit = _query_int("limit", 100, 1, 1000)
    service = auth_service()
    services().engine.flush_audit()  # refusals of a moment ago too
    entries = service.offload(lambda: audit_store.read(service.reader, since, limit, site_id))
    return {"entries": entries, "last": entries[-1]["seq"] if entries else since}

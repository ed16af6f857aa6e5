"""The admin page: plain server-rendered HTML forms, each carrying the session's CSRF token.

It works with the login cookie only (a device token never opens it). Administrators see and
change everything; a manager sees their own site's devices and audit log; staff see a note
that the page is not for them. Every form answers with a redirect back to the page and a
message (post, redirect, get), so reloading never sends a form twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..alerts import device_room
from ..auth.accounts import account_view, checked_fields
from ..auth.service import AuthService, device_to_pair
from ..device_health import with_health
from ..domain.errors import Invalid, NotFound, Refusal
from ..headers import content_security_policy
from ..refusals import status_of
from ..services import services
from ..store import audit as audit_store
from ..store import leases as lease_store
from ..store.accounts import session_hash
from ..store.devices import Device
from ..web import audit as auditing
from ..web import caller
from ..web.audit import RequestAudit
from ..web.caller import SessionEnded
from ..web.endpoints import Denied
from ..words import ORGANISATION_NAMES, ROLE_NAMES
from .messages import japanese

bp = Blueprint(
    "admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Forms posting to this server, styles, and nothing else: the page runs no script.
CONTENT_SECURITY_POLICY = content_security_policy(
    default_src="'none'", script_src=None, connect_src=None, media_src=None, font_src=None,
    object_src=None, img_src="'self'", form_action="'self'")
AUDIT_ROWS = 50


SOUND_WORDS = {"allowed": "音声: 出せます",
               "blocked": "⚠ 音声: 出せません（自動再生が止められています）"}


def _auth() -> AuthService:
    return services().auth


def _person() -> Device | None:
    """The logged-in person, by the cookie alone; None (with a note) if the login ended."""
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    found = _auth().credentials.session(session_hash(session_id))
    if found is None:
        session.pop("sid", None)
        flash(japanese(SessionEnded("")), "error")
        return None
    g.madoguchi_session = found[1]
    return found[0]


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(
        render_template(
            template,
            csrf_token=caller.csrf_token(),
            roles=ROLE_NAMES,
            organisations=ORGANISATION_NAMES,
            sound_words=SOUND_WORDS,
            **context,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def device_filter() -> dict[str, str]:
    """The device list's filter from the address: words (id or name), kind, site, state."""
    args = request.args
    return {"q": args.get("q", "").strip()[:100], "role": args.get("role", ""),
            "site": args.get("site", ""), "state": args.get("state", "")}


def device_matches(device: dict[str, Any], wanted: dict[str, str]) -> bool:
    words = wanted["q"].lower().split()
    text = f"{device['id']} {device['name'] or ''}".lower()
    state = "revoked" if device.get("revoked_at") else "active"
    return (all(w in text for w in words)
            and wanted["role"] in ("", device["role"])
            and wanted["site"] in ("", device["site"] or "")
            and wanted["state"] in ("", state))


def confirmed() -> bool:
    return request.form.get("confirmed") == "yes"


def ask(person: Device, question: str, yes: str, back: str) -> Response:
    """A dangerous button's first press: the question, and the same button again to act (the
    form's own fields sent along), or a way back. Nothing is changed or audited yet; the
    second press is checked like any other (login, CSRF, role)."""
    fields = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "confirmed")]
    return _page("admin/confirm.html", person=person, sites=services().sites,
                 question=question, yes=yes, action=request.path, fields=fields, back=back)


def _back() -> Response:
    return redirect(url_for(".index"), 303)  # type: ignore[return-value]


@bp.get("/")
def index() -> Response:
    person = _person()
    if person is None:
        return _page("admin/login.html")
    server = services()
    auth = _auth()
    site_id = None if person.role == "admin" else person.site_id
    context: dict[str, Any] = {"person": person, "sites": server.sites}
    if person.role in ("admin", "manager"):
        every = auth.device_views(site_id)
        context["device_filter"] = wanted = device_filter()
        context["devices_total"] = len(every)
        context["devices"] = with_health(
            [d for d in every if device_matches(d, wanted)], server.health, server.sites)
        context["audit"] = auth.offload(
            lambda: audit_store.latest(auth.reader, AUDIT_ROWS, site_id)
        )
    if person.role == "admin" and server.cluster is not None:
        # A cluster's processes, from the leases: which one serves which site now.
        context["leases"] = auth.offload(lambda: lease_store.leases(server.engine.reader))
        context["this_process"] = server.cluster.member.me
    if person.role == "admin":
        context["accounts"] = [
            {**account_view(a), "locked_seconds": auth.locked_seconds(a.username)}
            for a in sorted(auth.credentials.accounts.values(), key=lambda a: a.username)
        ]
    return _page("admin/index.html", **context)


@bp.post("/login")
def login() -> Response:
    try:
        caller.check_csrf(form=True)
        _, session_id, _ = _auth().login(
            request.form.get("username", ""),
            request.form.get("password", ""),
            auditing.client_address(),
        )
    except Refusal as exc:
        flash(japanese(exc), "error")
        return _page(
            "admin/login.html",
            status_of(exc),
            username=request.form.get("username", "")[:64],
        )
    session.clear()
    session["sid"] = session_id
    session.permanent = True
    return _back()


@bp.post("/logout")
def logout() -> Response:
    def end(audit: RequestAudit) -> str:
        _auth().logout(g.madoguchi_session, audit)
        session.clear()
        return "ログアウトしました。"

    return _act("logout", ("staff", "manager", "admin"), end)


def _act(action: str, roles: tuple[str, ...], change: Callable[[RequestAudit], str],
         confirm: tuple[str, str] | None = None) -> Response:
    """Run one form's change as the logged-in person, written to the audit log either way.
    A dangerous one (`confirm`: the question and its button) asks first."""
    person = _person()
    if person is None:
        return _back()
    if confirm is not None and not confirmed():
        return ask(person, *confirm, back=url_for(".index"))
    g.madoguchi_person = person
    audit = auditing.begin(person, action=action)
    assert audit is not None
    try:
        caller.check_csrf(form=True)
        if person.role not in roles:
            raise Denied("Only an administrator may do this.", "forbidden_role")
        message = change(audit)
    except Refusal as exc:
        audit.finish(status_of(exc), exc.code)
        flash(japanese(exc), "error")
    else:
        audit.finish(200)
        flash(message, "ok")
    return _back()


@bp.post("/accounts")
def create_account() -> Response:
    def create(audit: RequestAudit) -> str:
        form = request.form
        fields = checked_fields(
            form.get("username", ""),
            form.get("name"),
            form.get("role", ""),
            form.get("site") or None,
            form.getlist("organisations"),
            _auth().sites,
        )
        if form.get("password", "") != form.get("password_again", ""):
            raise Invalid("The two passwords differ.", "invalid_field", field="password_again")
        account = _auth().create_account(fields, form.get("password", ""), audit)
        return f"アカウント「{account.username}」を作りました。"

    return _act("account_created", ("admin",), create)


@bp.post("/accounts/<username>/disable")
def disable_account(username: str) -> Response:
    def disable(audit: RequestAudit) -> str:
        _auth().set_disabled(username, True, audit, g.madoguchi_person)
        return f"「{username}」を無効にしました。ログイン中の画面もすぐに使えなくなります。"

    return _act("account_disabled", ("admin",), disable, confirm=(
        f"アカウント「{username}」を無効にします。この人はすぐにログインできなくなり、"
        "ログイン中の画面も使えなくなります。", "無効にする"))


@bp.post("/accounts/<username>/enable")
def enable_account(username: str) -> Response:
    def enable(audit: RequestAudit) -> str:
        _auth().set_disabled(username, False, audit)
        return f"「{username}」を有効にしました。"

    return _act("account_enabled", ("admin",), enable)


@bp.post("/accounts/<username>/unlock")
def unlock_account(username: str) -> Response:
    def unlock(audit: RequestAudit) -> str:
        _auth().unlock(username, audit)
        return f"「{username}」のログインのロックを解除しました。"

    return _act("account_unlocked", ("admin",), unlock)


@bp.post("/pairing")
def approve_pairing() -> Response:
    def approve(audit: RequestAudit) -> str:
        form = request.form
        audit.site_id = form.get("site") or None
        wanted = device_to_pair(
            services().sites,
            form.get("role", ""),
            form.get("site", ""),
            form.get("name", ""),
            form.get("area") or None,
            form.get("counter") or None,
        )
        device = _auth().approve(form.get("code", ""), wanted, audit)
        return (
            f"{ROLE_NAMES[device.role]}「{device.name}」を登録しました（{device.id}）。"
            "端末の画面が切り替わるのを確かめてください。"
        )

    return _act("pairing_approved", ("admin",), approve)


@bp.post("/devices/<device_id>/revoke")
def revoke_device(device_id: str) -> Response:
    def revoke(audit: RequestAudit) -> str:
        _auth().revoke(device_id, audit)
        return f"端末「{device_id}」を無効にしました。"

    return _act("device_revoked", ("admin",), revoke, confirm=(
        f"端末「{device_id}」を無効にします。この端末はすぐに使えなくなり、接続も切れます"
        "（もう一度使うには、ペアリングし直します）。", "無効にする"))



@bp.post("/devices/<device_id>/sound-test")
def sound_test(device_id: str) -> Response:
    """Ask a display to play its test sound; it says how that went (the device list)."""

    def send(audit: RequestAudit) -> str:
        audit.target = f"device:{device_id}"
        device = next((d for d in _auth().credentials.devices.values() if d.id == device_id),
                      None)
        if device is None or device.role != "display":
            raise NotFound(f"There is no display '{device_id}'.", "unknown_device",
                          device=device_id)
        services().socketio.emit("sound_test", {"device": device_id},
                                 to=device_room(device_id))
        return (f"表示盤「{device.name or device_id}」にテスト音を送りました。"
                "音が聞こえたか確かめてください。表示盤の答えは、この画面を読み込み直すと"
                "「音声」の列に出ます。")

    return _act("sound_tested", ("admin",), send)

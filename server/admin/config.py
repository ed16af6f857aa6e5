"""The admin page's site configuration: desks, counters, printers, kiosks and displays of one
site, changed with plain forms (CSRF token, post-redirect-get, Japanese messages).

Each form is read into the same body the API takes, checked by the same schema, and goes
through the same editor: the site file's rules, the safety checks, one transaction with the
audit row, and every screen of the site updated at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, flash, redirect, request, url_for

from kiosk.views import DEFAULT_LANGUAGE, languages

from ..api.configuration import COUNTER_BODY, PRINTER_BODY, SERVICE_BODY, configuration_view
from ..domain.errors import Invalid, Refusal
from ..refusals import status_of
from ..services import services
from ..siteedit import changes
from ..siteedit.changes import Change
from ..siteedit.devices import device_change
from ..siteedit.editor import SiteEditor
from ..web import audit as auditing
from ..web import caller
from ..web.endpoints import Denied
from ..web.validation import Schema, validate
from ..words import ORGANISATION_NAMES
from .messages import config_japanese
from .views import _page, _person, ask, bp, confirmed

KINDS = {"tcp": "ネットワーク（TCP 9100）", "usb": "USB", "serial": "シリアル",
         "file": "デバイスファイル", "cups": "CUPS のキュー", "network": "ネットワーク",
         "memory": "メモリー（試験用）"}
OUTCOMES = {
    "confirmed": "印刷されました（プリンターが確認）",
    "sent_unconfirmed": "送りました（このプリンターは印刷を確認できません）",
    "not_sent": "送れませんでした",
    "stuck_cleared": "途中で止まり、プリンターが取り消しました",
    "stuck_held": "途中で止まりました。直すと続きが出てきます",
}
COMMANDS = {"escpos": "ESC/POS（エプソンなど）", "star": "スター（Star モード）"}


def _editor() -> SiteEditor:
    return services().siteedit


def _to_site(site_id: str) -> Response:
    return redirect(url_for(".site_page", site_id=site_id), 303)  # type: ignore[return-value]


@bp.get("/sites/<site_id>")
def site_page(site_id: str) -> Response:
    person = _person()
    if person is None or person.role != "admin":
        if person is not None:
            flash("会場の設定はシステム管理者だけが変えられます。", "error")
        return redirect(url_for(".index"), 303)  # type: ignore[return-value]
    editor = _editor()
    try:
        view = configuration_view(editor.parts(site_id), editor)
    except Refusal as exc:
        flash(config_japanese(exc), "error")
        return redirect(url_for(".index"), 303)  # type: ignore[return-value]
    server = services()
    printing = server.printing
    live = {p["id"]: printing.view(p["id"]) for p in view["printers"]
            if p["id"] in printing.configs}
    return _page("admin/site.html", person=person, sites=server.sites, config=view,
                 site=server.sites[site_id], kinds=KINDS, commands=COMMANDS, live=live,
                 outcomes=OUTCOMES, organisation_names=ORGANISATION_NAMES,
                 languages=kiosk_languages())


def _change(site_id: str, make: Callable[[SiteEditor], Change], done: str,
            confirm: tuple[str, str] | None = None) -> Response:
    """Run one form's change as the logged-in administrator, audited either way; a
    dangerous one (`confirm`: the question and its button) asks first."""
    person = _person()
    if person is None:
        return redirect(url_for(".index"), 303)  # type: ignore[return-value]
    if confirm is not None and not confirmed():
        return ask(person, *confirm, back=url_for(".site_page", site_id=site_id))
    audit = auditing.begin(person, site_id=site_id)
    assert audit is not None
    try:
        caller.check_csrf(form=True)
        if person.role != "admin":
            raise Denied("Only an administrator may do this.", "forbidden_role")
        editor = _editor()
        change = make(editor)
        audit.action, audit.target = change.action, change.target
        audit.detail.update(change.detail)
        editor.apply(change.edit, person, audit)
    except Refusal as exc:
        audit.finish(status_of(exc), exc.code)
        flash(config_japanese(exc), "error")
    else:
        audit.finish(200)
        flash(done, "ok")
    return _to_site(site_id)


# ---- reading forms into API bodies ------------------------------------------------------


def _text(name: str) -> str:
    return request.form.get(name, "").strip()


def _whole(name: str, field: str | None = None) -> int:
    value = _text(name)
    if not value.isdigit():
        raise Invalid(f"'{name}' must be a whole number.", "invalid_field",
                      field=f"body.{field or name}")
    return int(value)


def _checked(body: dict[str, Any], schema: Schema) -> dict[str, Any]:
    validate(body, schema)
    return body


def _ident(name: str) -> str:
    value = _text(name)
    if not value:
        raise Invalid("Give an id.", "invalid_field", field="body.id")
    return value


def service_form() -> dict[str, Any]:
    """A new desk from the admin page, in the site file's form: the staff's name, and the
    visitors' words (Japanese: the staff's name unless the form gives other words)."""
    body: dict[str, Any] = {
        "staff_name": _text("name"),
        "organisation": _text("organisation"),
        "numbers": [_whole("first", "numbers"), _whole("last", "numbers")],
        "target_wait": _whole("target_wait"),
        "sensitive": request.form.get("sensitive") == "on",
    }
    for optional in ("prefix", "public_name"):
        if _text(optional):
            body[optional] = _text(optional)
    japanese, text = _text("label.ja") or _text("name"), _text("description")
    visitor = {"ja": {"label": japanese, **({"description": text} if text else {})}}
    for lang in kiosk_languages():
        label, text = _text(f"label.{lang['code']}"), _text(f"description.{lang['code']}")
        if label or text:
            visitor[lang["code"]] = {"label": label, **({"description": text} if text else {})}
    body["visitor"] = visitor
    return _checked(body, SERVICE_BODY)


def kiosk_languages() -> list[dict[str, Any]]:
    """The kiosk's languages other than Japanese, for a desk's translations."""
    return [lang for lang in languages() if lang["code"] != DEFAULT_LANGUAGE]


def counter_form() -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": _text("name"),
        "number": _whole("number"),
        "area": _text("area"),
        "services": request.form.getlist("services"),
        "mode": _text("mode") or "weighted",
    }
    weights = {}
    for part in _text("weights").replace("、", " ").replace(",", " ").split():
        desk, _, value = part.partition("=")
        try:
            weights[desk] = float(value)
        except ValueError:
            raise Invalid(f"'{part}' is not desk=weight.", "invalid_field",
                          field="body.weights") from None
    if weights:
        body["weights"] = weights
    return _checked(body, COUNTER_BODY)


def printer_form() -> dict[str, Any]:
    body: dict[str, Any] = {"kind": _text("kind"), "address": _text("address"),
                            "width": _whole("width"), "commands": _text("commands") or "escpos"}
    if _text("name"):
        body["name"] = _text("name")
    return _checked(body, PRINTER_BODY)


def device_form(site_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": _text("name"), "enabled": request.form.get("enabled") == "on"}
    if "area" in request.form:  # a display: a counter chosen brings its own area
        body["counter"] = _text("counter") or None
        body["area"] = None if body["counter"] else _text("area") or None
        site = services().sites.get(site_id)
        if site is not None and any(s.sensitive for s in site.services):  # welfare corner's
            body["show_sensitive"] = request.form.getlist("show_sensitive")
    if "printers" in request.form:
        body["printers"] = [p.strip() for p in _text("printers").replace("、", ",").split(",")
                            if p.strip()]
    return body


# ---- the forms ----------------------------------------------------------------------------


@bp.post("/sites/<site_id>/services")
def save_service(site_id: str) -> Response:
    service_id = request.form.get("id", "").strip()
    return _change(site_id, lambda ed: changes.put_service(ed, site_id, _ident("id"),
                                                           service_form()),
                   f"用件「{service_id}」を保存しました。発券機・表示盤にすぐ反映されます。")


@bp.post("/sites/<site_id>/services/<service_id>/remove")
def remove_service(site_id: str, service_id: str) -> Response:
    return _change(site_id, lambda ed: changes.remove_service(ed, site_id, service_id),
                   f"用件「{service_id}」を削除しました。",
                   confirm=(f"用件「{service_id}」をこの会場から削除します。発券機から消え、"
                            "待っている人がいれば削除できません。", "削除する"))


@bp.post("/sites/<site_id>/counters")
def save_counter(site_id: str) -> Response:
    counter_id = request.form.get("id", "").strip()
    return _change(site_id, lambda ed: changes.put_counter(ed, site_id, _ident("id"),
                                                           counter_form()),
                   f"窓口「{counter_id}」を保存しました。窓口端末・表示盤にすぐ反映されます。")


@bp.post("/sites/<site_id>/counters/<counter_id>/remove")
def remove_counter(site_id: str, counter_id: str) -> Response:
    return _change(site_id, lambda ed: changes.remove_counter(ed, site_id, counter_id),
                   f"窓口「{counter_id}」を削除しました。",
                   confirm=(f"窓口「{counter_id}」を削除します。", "削除する"))


@bp.post("/sites/<site_id>/printers")
def save_printer(site_id: str) -> Response:
    printer_id = request.form.get("id", "").strip()
    return _change(site_id, lambda ed: changes.put_printer(ed, site_id, _ident("id"),
                                                           printer_form()),
                   f"プリンター「{printer_id}」を保存しました。")


@bp.post("/sites/<site_id>/printers/<printer_id>/test")
def test_printer(site_id: str, printer_id: str) -> Response:
    """A test ticket on this printer, through its worker; the page says how it ended."""
    person = _person()
    if person is None or person.role != "admin":
        return redirect(url_for(".index"), 303)  # type: ignore[return-value]
    audit = auditing.begin(person, site_id=site_id)
    assert audit is not None
    audit.action, audit.target = "printer_tested", f"printer:{site_id}/{printer_id}"
    try:
        caller.check_csrf(form=True)
    except Refusal as exc:
        audit.finish(status_of(exc), exc.code)
        flash(config_japanese(exc), "error")
        return _to_site(site_id)
    printing = services().printing
    if printing.site_of.get(printer_id) != site_id:
        audit.finish(404, "unknown_printer")
        flash("その会場にそのプリンターはありません。", "error")
        return _to_site(site_id)
    result = printing.test_print(printer_id)
    audit.detail.update({"outcome": result.outcome.value})
    audit.finish(200)
    words = OUTCOMES.get(result.outcome.value, result.outcome.value)
    good = result.outcome.value == "confirmed" or (
        result.outcome.value == "sent_unconfirmed" and result.expected)
    flash(f"プリンター「{printer_id}」のテスト印刷：{words}" +
          ("" if good else f"（{result.status.state.label_ja}）"), "ok" if good else "error")
    return _to_site(site_id)


@bp.post("/sites/<site_id>/printers/<printer_id>/remove")
def remove_printer(site_id: str, printer_id: str) -> Response:
    return _change(site_id, lambda ed: changes.remove_printer(ed, site_id, printer_id),
                   f"プリンター「{printer_id}」を削除しました。",
                   confirm=(f"プリンター「{printer_id}」を削除します。この会場の発券機は、"
                            "ほかのプリンターで印刷します。", "削除する"))


@bp.post("/sites/<site_id>/devices/<device_id>")
def save_device(site_id: str, device_id: str) -> Response:
    return _change(site_id, lambda ed: device_change(ed, site_id, device_id, device_form(site_id)),
                   f"端末「{device_id}」を保存しました。接続中の画面はつなぎ直されます。")


@bp.post("/sites/<site_id>/reset")
def reset_site(site_id: str) -> Response:
    return _change(site_id, lambda ed: changes.reset(ed, site_id),
                   "この会場の変更をすべて取り消し、設定ファイルのとおりに戻しました。",
                   confirm=("この会場に管理画面で加えた変更をすべて取り消し、設定ファイルの"
                            "とおりに戻します。元には戻せません。", "すべて取り消す"))

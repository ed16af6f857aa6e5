"""Every refusal the server answers with, in one catalogue: code → HTTP status → message.

A refusal (server/domain/errors.py) carries a stable code; this catalogue is the one place
that says which HTTP status answers it and what it means, in English (for programs' authors:
the OpenAPI document and the documentation's error table) and in Japanese (for the people who
read the admin and reports pages). A Japanese message may name a detail of the refusal in
braces, such as {tickets}. The codes and their statuses are part of the API: never change one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .auth.strength import REASONS as PASSWORD_REASONS
from .domain.errors import Refusal


@dataclass(frozen=True)
class ErrorCode:
    """One code: the status it is answered with (None: the HTTP error's own) and its meaning.
    `japanese_when` words a refusal differently by one of its details: {(detail, value): text}."""

    code: str
    status: int | None
    english: str
    japanese: str
    japanese_when: Mapping[tuple[str, str], str] = field(default_factory=dict)


_ENTRIES = (
    # ---- who is calling, and may they ----
    ErrorCode(
        "unauthorized",
        401,
        "no token, or a token that is not valid (also refuses a Socket.IO connection "
        "that brings neither a token nor a login)",
        "ログインしていないか、端末の登録が無効です。",
    ),
    ErrorCode(
        "session_expired",
        401,
        "the login cookie's login has ended: expired, logged out, password changed or "
        "account disabled; log in again",
        "ログインの有効期限が切れました。もう一度ログインしてください。",
    ),
    ErrorCode(
        "invalid_credentials",
        401,
        "wrong user name or password (the same answer for both); also a wrong current "
        "password when changing it",
        "ユーザー名またはパスワードが違います。",
    ),
    ErrorCode(
        "csrf_failed",
        403,
        "a change made with the login cookie lacks the login's `X-CSRF-Token` (or the "
        "admin page's form token)",
        "画面の有効期限が切れました。ページを読み込み直してから、もう一度お試しください。",
    ),
    ErrorCode(
        "too_many_attempts",
        429,
        "too many failed logins for this user name from this address, from this address, or "
        "(from many addresses) for the account itself, as `lock` says (`account_address`, "
        "`address`, `account`: an administrator can lift the last); too many pairing codes "
        "from one address (`pairing`); or too many wrong booking codes from one address "
        "(`booking_code`); the `Retry-After` header (and `retry_after`) says how many seconds "
        "to wait",
        "ログインの失敗が続きました。{retry_after}秒ほど待ってから、もう一度お試しください。",
        {
            ("lock", "account_address"): "この端末から、このユーザー名でのログインの失敗が"
            "続きました。{retry_after}秒たってから、ユーザー名とパスワードを確かめて、"
            "もう一度お試しください（ほかの端末からのログインには影響しません）。",
            ("lock", "address"): "この端末からのログインの失敗が続いたため、{retry_after}秒間"
            "この端末からはログインできません。時間をおいてから、もう一度お試しください。",
            ("lock", "account"): "このアカウントには、いくつもの場所から誤ったパスワードが"
            "送られたため、安全のため{retry_after}秒間ロックしています。急ぐときは、"
            "システム管理者にロックの解除を頼んでください（管理ページの「ロック解除」）。",
            ("lock", "pairing"): "この端末から登録を待つ端末が多すぎます。{retry_after}秒ほど"
            "待ってから、もう一度お試しください。",
            ("lock", "booking_code"): "予約番号の誤りが続きました。{retry_after}秒ほど待って"
            "から、予約票やメールの予約番号を確かめて、もう一度お試しください。",
        },
    ),
    ErrorCode(
        "forbidden_role",
        403,
        "this role may not make this call",
        "この操作をする権限がありません。",
    ),
    ErrorCode(
        "forbidden_site",
        403,
        "the token or ticket belongs to another site; also refuses a Socket.IO connection "
        "asking for another site",
        "ほかの会場のものは扱えません。",
    ),
    ErrorCode(
        "forbidden_organisation",
        403,
        "a report asked for an organisation, or a desk of one, that the manager's account "
        "may not see",
        "この所属の数字は見られません。",
    ),
    # ---- what is asked for does not exist ----
    ErrorCode(
        "unknown_site",
        404,
        "there is no such site; also refuses a Socket.IO connection",
        "その会場はありません。",
    ),
    ErrorCode(
        "unknown_service", 404, "the site has no such desk", "その会場にその用件はありません。"
    ),
    ErrorCode(
        "unknown_counter", 404, "the site has no such counter", "その会場にその窓口はありません。"
    ),
    ErrorCode(
        "unknown_printer",
        404,
        "the site has no such printer (reprint, configuration)",
        "その会場にそのプリンターはありません。",
    ),
    ErrorCode(
        "unknown_ticket",
        404,
        "no such ticket (or no live ticket with that number); also refuses a phone-page connection",
        "その番号札はありません。",
    ),
    ErrorCode(
        "unknown_account", 404, "no account has this user name", "そのアカウントはありません。"
    ),
    ErrorCode(
        "unknown_pairing",
        404,
        "no device waits with this pairing code or id (or it was used already)",
        "このコードで待っている端末はありません（入力の誤りか、使用済みのコードです）。",
    ),
    ErrorCode(
        "unknown_device",
        404,
        "no such device (revoking), or the site has no such kiosk or display "
        "(configuration); also refuses a Socket.IO connection with an unknown, revoked or "
        "switched-off token",
        "その端末はありません。",
    ),
    ErrorCode(
        "pairing_expired",
        410,
        "the pairing code has expired: the device asks for a new one",
        "このコードは有効期限が切れています。端末に新しいコードを表示させてください。",
    ),
    ErrorCode("not_found", 404, "no such address in the API", "そのページやデータはありません。"),
    ErrorCode(
        "method_not_allowed",
        405,
        "the address does not take this method",
        "この操作はこのアドレスではできません。",
    ),
    # ---- accounts and devices ----
    ErrorCode(
        "account_exists",
        409,
        "an account with this user name exists already",
        "このユーザー名はすでに使われています。",
    ),
    ErrorCode(
        "device_revoked",
        409,
        "the device's token is revoked already",
        "その端末はすでに無効になっています。",
    ),
    ErrorCode(
        "weak_password",
        422,
        "a password refused: shorter than 8 characters (or over 1024), containing the user "
        "name, or easy to guess (common, breached, a word or name, a run, the service's "
        "words); `reason` says which (`too_short`, `too_long`, `blank`, `contains_username`, "
        "`guessable`) and `message`, Japanese first, what to choose instead",
        "パスワードは8文字以上にしてください。",
        {("reason", reason): japanese for reason, (japanese, _) in PASSWORD_REASONS.items()},
    ),
    # ---- the queue ----
    ErrorCode(
        "own_account",
        409,
        "an administrator may not disable their own account",
        "自分のアカウントは無効にできません。ほかの管理者に依頼してください。",
    ),
    ErrorCode(
        "last_admin",
        409,
        "the account is the last administrator who can log in",
        "「{account}」はログインできる最後の管理者です。先に別の管理者を作ってください。",
    ),
    ErrorCode(
        "unknown_alert",
        404,
        "no open staff alert with that id (it was cleared, or is from an earlier day)",
        "その呼び出しはもうありません。",
    ),
    ErrorCode(
        "alert_taken",
        409,
        "another member of staff took this alert first (`staff` names who)",
        "{staff} さんがすでに対応しています。",
    ),
    ErrorCode(
        "invalid_transition",
        409,
        "the ticket's state does not allow this (see the table of ticket states)",
        "この番号札は、いまの状態ではその操作ができません。",
    ),
    ErrorCode(
        "not_at_this_counter",
        409,
        "the ticket is at another counter",
        "この番号札はほかの窓口で対応中です。",
    ),
    ErrorCode(
        "no_waiting_tickets",
        409,
        "nobody is waiting for this counter's desks",
        "この窓口の用件で待っている人はいません。",
    ),
    ErrorCode(
        "counter_busy",
        409,
        "the counter has a ticket in hand: finish, transfer or mark it a no-show first",
        "この窓口は対応中です。いまの番号札を終えてからにしてください。",
    ),
    ErrorCode(
        "counter_paused",
        409,
        "the counter is paused: resume it to call",
        "この窓口は休止中です。再開してから呼び出してください。",
    ),
    ErrorCode(
        "service_not_served",
        409,
        "the counter does not serve this ticket's desk",
        "この窓口はその番号札の用件を受け持っていません。",
    ),
    ErrorCode(
        "same_service",
        409,
        "a transfer to the desk the ticket is already at",
        "この番号札はすでにその用件の窓口にいます。",
    ),
    ErrorCode(
        "no_show_too_soon",
        409,
        "the visitor is notified on their phone and may be walking back: a no-show is taken "
        "only `minutes` (the site's away_grace_minutes) after the call; `retry_after` says "
        "in how many seconds",
        "この方はスマートフォンで呼出を受け取っていて、戻る途中かもしれません。"
        "呼出から{minutes}分たつと不在にできます（あと{retry_after}秒）。",
    ),
    ErrorCode(
        "site_closed", 409, "issuing outside opening hours or on a closed date", "受付時間外です。"
    ),
    # ---- appointments (予約) ----
    ErrorCode("unknown_booking", 404, "no booking has this code (every miss counts towards "
              "`too_many_attempts`)", "この予約番号の予約はありません。番号をお確かめください。"),
    ErrorCode("not_bookable", 409, "the desk takes no appointments (here: a sensitive desk is "
              "never booked on the public page)", "この用件は予約できません。"),
    ErrorCode("booking_not_public", 409, "the site takes appointments from staff only, not on "
              "the public page", "この会場の予約は、お電話か窓口で承ります。"),
    ErrorCode("slot_full", 409, "the slot has no free place, or the day's appointments are all "
              "taken (`reason` = `day`: the rest stay for walk-ins); nothing was booked",
              "この時間は予約でいっぱいです。ほかの時間をお選びください。"),
    ErrorCode("slot_past", 409, "the slot has already begun", "この時間はもう過ぎています。"),
    ErrorCode("slot_too_far", 409, "the slot is further ahead than the desk takes bookings "
              "(`days_ahead`)", "この日はまだ予約を受け付けていません。"),
    ErrorCode("booking_day_closed", 409, "the day is a closed day (holiday, year-end) or the "
              "desk offers no slots that day", "この日は休業日です。"),
    ErrorCode("invalid_slot", 422, "the time is not the start of one of the desk's slots",
              "予約できる時間ではありません。"),
    ErrorCode("booking_expired", 409, "the booking was cancelled, checked in, or was for an "
              "earlier day: it can no longer be changed or used",
              "この予約は取り消されたか、期限が過ぎています。"),
    ErrorCode("booking_other_site", 409, "the booking is for another centre",
              "この予約はほかの会場のものです。"),
    ErrorCode("booking_not_yet", 409, "too early to check in (the site's `early_minutes` "
              "before the slot)", "受付はまだです。予約の時間（{slot}）の少し前にお越しください。"),
    ErrorCode("already_checked_in", 409, "the booking has been checked in already",
              "この予約は受付済みです。"),
    ErrorCode(
        "numbers_exhausted",
        409,
        "every number of the desk's band is still live",
        "この用件の番号がすべて使用中です。",
    ),
    ErrorCode(
        "clock_not_simulated",
        409,
        "`/api/clock` on a server that runs on the system clock",
        "このサーバーの時計は動かせません。",
    ),
    # ---- an administrator's changes to a running site ----
    ErrorCode(
        "service_has_live_tickets",
        409,
        "a desk is not removed while tickets wait for it, are served at it or will go to "
        "it later in their visit (`service`, `tickets`)",
        "この用件の番号札がまだ使われています（{tickets}枚）。"
        "呼出・対応が終わってから削除してください。",
    ),
    ErrorCode(
        "service_served_by_counter",
        409,
        "a desk is not removed while a counter serves it: take it off the counter first "
        "(`service`, `counter`)",
        "窓口「{counter}」がこの用件を受け持っています。先にその窓口の受け持ちから外してください。",
    ),
    ErrorCode(
        "counter_in_use",
        409,
        "a counter is not changed or removed while it has a visitor in hand, nor removed "
        "while it is open or paused (`counter`)",
        "窓口「{counter}」は対応中です。対応が終わってから変更してください。",
    ),
    ErrorCode(
        "counter_has_devices",
        409,
        "a counter is not removed (or moved to another area) while a console or display "
        "is bound to it (`counter`, `device`)",
        "端末「{device}」がこの窓口に割り当てられています。"
        "先に端末を別の窓口か区域に移してください。",
    ),
    ErrorCode(
        "numbers_in_use",
        409,
        "a desk's new number band or prefix would cover a number another desk's live "
        "ticket carries (`service`, `label`)",
        "番号「{label}」がほかの用件でまだ使われています。"
        "別の番号の範囲にするか、その番号の対応が終わってから変更してください。",
    ),
    ErrorCode(
        "printer_in_use",
        409,
        "a printer is not removed while a kiosk prints on it",
        "発券機がこのプリンター（{printer}）で印刷しています。"
        "先に発券機のプリンターを変えてください。",
    ),
    ErrorCode(
        "device_has_printers",
        409,
        "a kiosk that prints on this site's printers is not moved to another site: choose "
        "no printer first",
        "この発券機にはこの会場のプリンターが割り当てられています。"
        "先にプリンターを外してから、ほかの会場へ移してください。",
    ),
    ErrorCode(
        "desk_shown_on_display",
        409,
        "a sensitive desk is not removed or made public while a display (in a welfare "
        "corner) shows its waiting figures (`device`, `service`): take it off the display first",
        "表示盤（{device}）がこの用件の待ち状況を表示しています。"
        "先に表示盤の設定からこの用件を外してください。",
    ),
    # ---- what was sent ----
    ErrorCode(
        "invalid_field",
        422,
        "a field has the wrong type, size or value; `field` names it. Also the `sync` "
        "answer for a bad `since`",
        "入力内容を確認してください。",
    ),
    ErrorCode(
        "unknown_field",
        422,
        "the body has a field the call does not know",
        "入力内容を確認してください。",
    ),
    ErrorCode(
        "not_a_display",
        422,
        "only a display of an area (not a kiosk, nor a display bound to one counter) shows "
        "sensitive desks' waiting figures (`show_sensitive`)",
        "相談窓口の待ち状況を表示できるのは、区域全体を表示する呼出表示盤だけです"
        "（発券機や、1つの窓口だけを表示する表示盤ではできません）。",
    ),
    ErrorCode(
        "desk_not_sensitive",
        422,
        "`show_sensitive` names a desk that is not sensitive (every display shows its figures "
        "already); `field` names it",
        "その用件は非公開の用件ではありません（すべての表示盤に表示されています）。",
    ),
    ErrorCode(
        "unknown_outcome",
        422,
        "the outcome code is not one of the site's outcomes",
        "その対応結果はこの会場にはありません。",
    ),
    ErrorCode(
        "duplicate_services",
        422,
        "the same desk was chosen twice",
        "同じ用件が二度選ばれています。",
    ),
    ErrorCode(
        "idempotency_key_reused",
        422,
        "the key was used before for a different request",
        "同じ操作番号がほかの操作に使われました。",
    ),
    ErrorCode(
        "no_services",
        422,
        "no desk chosen (the API answers `invalid_field` first)",
        "用件を選んでください。",
    ),
    ErrorCode(
        "invalid_alert",
        422,
        "an unknown kind of staff alert (the API accepts only need_help and call_staff; the "
        "server itself raises printer_failed, printer_fault and display_silent)",
        "その呼び出しの種類はありません。",
    ),
    ErrorCode(
        "invalid_status",
        422,
        "an unknown counter status (the API never sends one)",
        "その窓口の状態はありません。",
    ),
    ErrorCode(
        "invalid_json", 400, "the body is not valid JSON", "送られた内容を読めませんでした。"
    ),
    ErrorCode(
        "unsupported_media_type",
        400,
        "a body that is not sent as `application/json`",
        "送られた内容を読めませんでした。",
    ),
    ErrorCode(
        "invalid_idempotency_key",
        400,
        "the `Idempotency-Key` is empty or over 100 characters",
        "操作番号（Idempotency-Key）が正しくありません。",
    ),
    ErrorCode(
        "bad_request", 400, "the request could not be read", "送られた内容を読めませんでした。"
    ),
    ErrorCode(
        "body_too_large",
        413,
        "the body is larger than `max_body_bytes`",
        "送られた内容が大きすぎます。",
    ),
    ErrorCode("http_error", None, "any other HTTP error", "操作できませんでした。"),
    # ---- visitors' notifications (phone page: Web Push, e-mail) ----
    ErrorCode(
        "email_invalid",
        422,
        "not one plain e-mail address like name@example.jp (no names, lists or line breaks)",
        "メールアドレスの形が正しくありません（例：name@example.jp）。",
    ),
    ErrorCode(
        "email_too_long",
        422,
        "the e-mail address is longer than RFC 5321 allows (254 characters; 64 before the @)",
        "メールアドレスが長すぎます。",
    ),
    ErrorCode(
        "push_subscription_invalid",
        422,
        "not a browser's push subscription: `field` names what is wrong (keys.p256dh must be "
        "a 65-octet P-256 point, keys.auth 16 octets, both base64url; endpoint an address)",
        "この端末の通知の登録内容を読めませんでした。もう一度お試しください。",
    ),
    ErrorCode(
        "push_endpoint_not_https",
        422,
        "a push subscription's endpoint that is not https",
        "通知の送り先が安全な接続（https）ではありません。",
    ),
    ErrorCode(
        "push_service_not_allowed",
        422,
        "a push endpoint on a host that is not an allowed push service (the browsers' own and "
        "the `push_hosts` setting's; never a private address unless listed there)",
        "この通知サービスには送れません。",
    ),
    ErrorCode(
        "ticket_ended",
        409,
        "the ticket's visit has ended: notifications cannot be turned on for it",
        "この番号の受付は終了しています。",
    ),
    ErrorCode(
        "notify_channel_unavailable",
        404,
        "this server does not send notifications that way (e-mail without a mail server)",
        "この方法でのお知らせは、ここでは使えません。",
    ),
    ErrorCode(
        "rate_limited",
        429,
        "too many requests from this address to the public crowding pages or their JSON "
        "(`public_requests_per_minute`); the `Retry-After` header (and `retry_after`) says how "
        "many seconds to wait",
        "アクセスが多すぎます。{retry_after}秒ほど待ってから、もう一度お試しください。",
    ),
    # ---- the server ----
    ErrorCode(
        "answer_failed",
        500,
        "the change was made but its answer could not be built (a bug); a retry with the "
        "same key gets this same answer, never a second change",
        "操作は済みましたが、結果を表示できませんでした。",
    ),
    ErrorCode(
        "too_many_connections",
        503,
        "one client address holds more connections than `max_connections_per_address`, or "
        "the server is near its open-files limit; the connection is answered and closed, "
        "`Retry-After` says when to try again",
        "接続が多すぎます。しばらくしてからもう一度お試しください。",
    ),
    ErrorCode(
        "store_unavailable",
        503,
        "the database could not store the change; nothing was changed, try again",
        "データベースに保存できませんでした。何も変わっていません。もう一度お試しください。",
    ),
    ErrorCode(
        "site_moving",
        503,
        "in a cluster, the site is between owners (its server stopped, another is taking it "
        "over) or its owner cannot be reached; nothing was changed, try again in a few seconds",
        "この会場を受け持つサーバーが切り替わっています。何も変わっていません。"
        "数秒後にもう一度お試しください。",
    ),
    ErrorCode(
        "schema_changed",
        503,
        "the database was upgraded to a newer version of madoguchi while this server ran; "
        "nothing was changed: restart this server with the new version",
        "データベースが新しい版に更新されました。何も変わっていません。"
        "このサーバーを新しい版で起動し直してください。",
    ),
)

CATALOGUE: Mapping[str, ErrorCode] = {entry.code: entry for entry in _ENTRIES}
UNKNOWN_STATUS = 409  # a code missing from the catalogue (tests keep every code in it)


def entries() -> tuple[ErrorCode, ...]:
    """Every code, in the order the documentation lists them."""
    return _ENTRIES


def status_of(refusal: Refusal) -> int:
    """The HTTP status that answers `refusal`."""
    entry = CATALOGUE.get(refusal.code)
    return entry.status if entry is not None and entry.status else UNKNOWN_STATUS


class _Details(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


def in_japanese(refusal: Refusal, field_hints: Mapping[str, str] | None = None) -> str:
    """What went wrong, for a person. A refused field (`invalid_field`) is explained by its
    hint in `field_hints` (keyed by the field's name), if the page gives one."""
    if refusal.code == "invalid_field" and field_hints:
        field = str(refusal.details.get("field", "")).removeprefix("body.")
        if field in field_hints:
            return field_hints[field]
    entry = CATALOGUE.get(refusal.code)
    if entry is None:
        return f"操作できませんでした（{refusal.code}）：{refusal.message}"
    text = next(
        (
            t
            for (detail, value), t in entry.japanese_when.items()
            if refusal.details.get(detail) == value
        ),
        entry.japanese,
    )
    return text.format_map(_Details(refusal.details))

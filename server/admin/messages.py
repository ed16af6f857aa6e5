"""Plain Japanese for the admin page: role and organisation names, and what went wrong."""

from __future__ import annotations

from ..auth.strength import REASONS
from ..domain.errors import QueueError

ROLE_NAMES = {
    "staff": "職員",
    "manager": "管理者",
    "admin": "システム管理者",
    "kiosk": "発券機",
    "display": "呼出表示盤",
}
ORGANISATION_NAMES = {"hellowork": "ハローワーク", "city": "札幌市"}
FIELD_HINTS = {
    "username": "ユーザー名は半角の英小文字・数字と「.」「_」「@」「-」で、2〜64文字です。",
    "name": "名前は200文字までです。",
    "role": "種類を選んでください。",
    "site": "職員と管理者には会場を選んでください（システム管理者には会場はありません）。",
    "organisations": "所属（ハローワーク・札幌市）を選んでください。",
    "password": "パスワードは8文字以上にしてください。",
    "password_again": "確認のパスワードが一致しません。",
    "area": "その会場にない区域か、窓口と合わない区域です。",
    "counter": "窓口を確認してください。",
    "code": "コードを入力してください。",
}

ERRORS = {
    "invalid_credentials": "ユーザー名またはパスワードが違います。",
    "too_many_attempts": "ログインの失敗が続きました。{retry_after}秒ほど待ってから、"
    "もう一度お試しください。",
    "too_many_attempts.account_address": "この端末から、このユーザー名でのログインの失敗が"
    "続きました。{retry_after}秒たってから、ユーザー名とパスワードを確かめて、もう一度お試し"
    "ください（ほかの端末からのログインには影響しません）。",
    "too_many_attempts.address": "この端末からのログインの失敗が続いたため、{retry_after}秒間"
    "この端末からはログインできません。時間をおいてから、もう一度お試しください。",
    "too_many_attempts.account": "このアカウントには、いくつもの場所から誤ったパスワードが"
    "送られたため、安全のため{retry_after}秒間ロックしています。急ぐときは、システム管理者に"
    "ロックの解除を頼んでください（管理ページの「ロック解除」）。",
    "csrf_failed": "画面の有効期限が切れました。ページを読み込み直してから、"
    "もう一度お試しください。",
    "session_expired": "ログインの有効期限が切れました。もう一度ログインしてください。",
    "forbidden_role": "この操作はシステム管理者だけができます。",
    "forbidden_site": "ほかの会場のものは扱えません。",
    "account_exists": "このユーザー名はすでに使われています。",
    "unknown_account": "そのアカウントはありません。",
    "weak_password": "パスワードは8文字以上にしてください。",
    "unknown_pairing": "このコードで待っている端末はありません"
    "（入力の誤りか、使用済みのコードです）。",
    "pairing_expired": "このコードは有効期限が切れています。"
    "端末に新しいコードを表示させてください。",
    "unknown_site": "その会場はありません。",
    "unknown_counter": "その会場にその窓口はありません。",
    "unknown_device": "その端末はありません。",
    "device_revoked": "その端末はすでに無効になっています。",
    "unknown_service": "その会場にその用件はありません。",
    "unknown_printer": "その会場にそのプリンターはありません。",
    "service_has_live_tickets": "この用件の番号札がまだ使われています（{tickets}枚）。"
    "呼出・対応が終わってから削除してください。",
    "service_served_by_counter": "窓口「{counter}」がこの用件を受け持っています。"
    "先にその窓口の受け持ちから外してください。",
    "counter_in_use": "窓口「{counter}」は対応中です。対応が終わってから変更してください。",
    "counter_has_devices": "端末「{device}」がこの窓口に割り当てられています。"
    "先に端末を別の窓口か区域に移してください。",
    "numbers_in_use": "番号「{label}」がほかの用件でまだ使われています。"
    "別の番号の範囲にするか、その番号の対応が終わってから変更してください。",
    "printer_in_use": "発券機がこのプリンター（{printer}）で印刷しています。"
    "先に発券機のプリンターを変えてください。",
    "device_has_printers": "この発券機にはこの会場のプリンターが割り当てられています。"
    "先にプリンターを外してから、ほかの会場へ移してください。",
}

# The site configuration forms (admin/site.html): what each field must be.
CONFIG_FIELD_HINTS = {
    "id": "IDは半角の英小文字・数字と「-」「_」で入力してください。",
    "name": "名前を入力してください（200文字まで）。",
    "organisation": "所属（ハローワーク・札幌市）を選んでください。",
    "prefix": "記号は英字3文字までです（数字は使えません）。",
    "numbers": "番号の範囲は1〜9999で、始めが終わり以下、"
    "ほかの用件と重ならないようにしてください。",
    "target_wait": "目標待ち時間は1〜240分です。",
    "public_name": "公開する名前を入力してください。",
    "number": "窓口番号は1以上で、会場の中で重ならないようにしてください。",
    "area": "その会場にない区域か、窓口と合わない区域です。",
    "counter": "窓口を確認してください。",
    "services": "受け持つ用件を1つ以上選んでください。",
    "mode": "選び方を選んでください。",
    "weights": "重みは「用件ID=数」（0より大きい数）で、重みで選ぶ窓口だけに使えます。",
    "kind": "接続のしかたを選んでください。",
    "address": "接続先を確認してください（例：ネットワークなら 192.168.1.50:9100）。",
    "width": "用紙幅は512（58mm）か576（80mm）です。",
    "printers": "その会場のプリンターのIDを、使う順にカンマで区切って入力してください。",
}


def japanese(exc: QueueError) -> str:
    """What went wrong, for a person."""
    if exc.code == "invalid_field":
        field = str(exc.details.get("field", "")).removeprefix("body.")
        return FIELD_HINTS.get(field, "入力内容を確認してください。")
    if exc.code == "weak_password" and exc.details.get("reason") in REASONS:
        return REASONS[str(exc.details["reason"])][0]
    text = ERRORS.get(f"{exc.code}.{exc.details.get('lock')}") or ERRORS.get(exc.code)
    if text is None:
        return f"操作できませんでした（{exc.code}）：{exc.message}"
    return text.format(**{k: v for k, v in exc.details.items()})


def config_japanese(exc: QueueError) -> str:
    """What went wrong with a site configuration form; a refused value also says the rule
    it broke, as the site file's reader words it (for the ward's IT staff)."""
    if exc.code not in ("invalid_field", "unknown_field"):
        return japanese(exc)
    field = str(exc.details.get("field", "")).removeprefix("body.")
    key = field.split(".")[0].split("[")[0]
    hint = CONFIG_FIELD_HINTS.get(key, "入力内容を確認してください。")
    return f"{hint}（{exc.message}）"

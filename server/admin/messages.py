"""Plain Japanese for the admin page: role and organisation names, and what went wrong."""

from __future__ import annotations

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
}


def japanese(exc: QueueError) -> str:
    """What went wrong, for a person."""
    if exc.code == "invalid_field":
        field = str(exc.details.get("field", "")).removeprefix("body.")
        return FIELD_HINTS.get(field, "入力内容を確認してください。")
    text = ERRORS.get(exc.code)
    if text is None:
        return f"操作できませんでした（{exc.code}）：{exc.message}"
    return text.format(**{k: v for k, v in exc.details.items()})

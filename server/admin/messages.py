"""Plain Japanese for the admin page: what each form field must be, and what went wrong."""

from __future__ import annotations

from ..domain.errors import Refusal
from ..refusals import in_japanese

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

# On the admin page a refused role is always one of the administrator's own operations.
ADMIN_WORDING = {"forbidden_role": "この操作はシステム管理者だけができます。"}

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
    "show_sensitive": "待ち状況を出せるのは、その会場の非公開の用件だけです。",
}


def japanese(exc: Refusal) -> str:
    """What went wrong, for a person on the admin page."""
    return ADMIN_WORDING.get(exc.code) or in_japanese(exc, FIELD_HINTS)


def config_japanese(exc: Refusal) -> str:
    """What went wrong with a site configuration form; a refused value also says the rule
    it broke, as the site file's reader words it (for the ward's IT staff)."""
    if exc.code not in ("invalid_field", "unknown_field"):
        return japanese(exc)
    field = str(exc.details.get("field", "")).removeprefix("body.")
    key = field.split(".")[0].split("[")[0]
    hint = CONFIG_FIELD_HINTS.get(key, "入力内容を確認してください。")
    return f"{hint}（{exc.message}）"

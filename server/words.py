"""Japanese words every page and report shares: the names of roles and organisations."""

from __future__ import annotations

ROLE_NAMES = {
    "staff": "職員",
    "manager": "管理者",
    "admin": "システム管理者",
    "kiosk": "発券機",
    "display": "呼出表示盤",
}
ORGANISATION_NAMES = {"hellowork": "ハローワーク", "city": "札幌市"}

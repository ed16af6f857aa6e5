"""The rules an account must follow, shared by the command line, the API and the admin page."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..domain.errors import Invalid, NotFound
from ..store.accounts import Account
from ..store.devices import BOTH_ORGANISATIONS

ROLES = ("staff", "manager", "admin")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")


@dataclass(frozen=True)
class AccountFields:
    username: str
    name: str
    role: str
    site_id: str | None
    organisations: tuple[str, ...]


def normalise_username(username: str) -> str:
    return username.strip().lower()


def checked_fields(
    username: str,
    name: str | None,
    role: str,
    site_id: str | None,
    organisations: Sequence[str] | None,
    sites: Collection[str],
) -> AccountFields:
    """The account's fields made tidy, or an `invalid_field` naming what is wrong.

    An administrator works at every site and for both organisations. Staff and managers
    belong to one site and say which organisation employs them (both may be granted).
    """
    username = normalise_username(username)
    if not USERNAME.fullmatch(username):
        raise Invalid(
            "A user name is 2 to 64 letters a-z, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit.",
            "invalid_field",
            field="username",
        )
    name = (name or "").strip() or username
    if len(name) > 200:
        raise Invalid("A name may have at most 200 characters.", "invalid_field", field="name")
    if role not in ROLES:
        raise Invalid(f"The role must be one of {', '.join(ROLES)}.", "invalid_field", field="role")
    if role == "admin":
        if site_id:
            raise Invalid(
                "An administrator works at every site: give no site.", "invalid_field", field="site"
            )
        site_id = None
    elif not site_id:
        raise Invalid(
            f"A {role} account belongs to a site: give its site.", "invalid_field", field="site"
        )
    elif site_id not in sites:
        raise NotFound(f"There is no site '{site_id}'.", "unknown_site", site=site_id)
    orgs = tuple(dict.fromkeys(organisations or ()))
    if not orgs and role == "admin":
        orgs = BOTH_ORGANISATIONS
    if not orgs:
        raise Invalid(
            "Say which organisation employs this person: 'hellowork' or 'city' "
            "(give both to let them see both).",
            "invalid_field",
            field="organisations",
        )
    if any(o not in BOTH_ORGANISATIONS for o in orgs):
        raise Invalid(
            "Organisations are 'hellowork' and 'city'.", "invalid_field", field="organisations"
        )
    return AccountFields(username, name, role, site_id, orgs)


def account_view(account: Account) -> dict[str, object]:
    return {
        "username": account.username,
        "name": account.name,
        "role": account.role,
        "site": account.site_id,
        "organisations": list(account.organisations),
        "created_at": account.created_at.isoformat(),
        "disabled": account.disabled_at is not None,
    }

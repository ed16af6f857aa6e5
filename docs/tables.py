"""Reference tables generated from what the code declares, written into the pages by cog.

A page holds a block such as

    % [[[cog import tables; cog.out(tables.settings()) ]]]
    (the generated table)
    % [[[end]]]

and `cog -r -I docs docs/*.md docs/*/*.md` rewrites what lies between the markers;
tests/docs/test_generated.py runs `cog --check`, so a page that no longer matches the code
fails the tests. Each function returns Markdown.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields

import click

# Before any server module: it patches the standard library for gevent, as the `madoguchi`
# command does, before anything imports ssl (patching after would warn).
import server.cli  # noqa: F401


def _cell(text: str) -> str:
    """Text fit for one cell of a Markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def settings() -> str:
    """Every setting of server/settings.py: its default, variable and help."""
    from server.settings import Settings, env_var

    rows = []
    for setting in fields(Settings):
        value = setting.default
        shown = str(value) if type(value) is int else json.dumps(value, ensure_ascii=False)
        rows.append(
            (
                f"`{setting.name}`",
                f"`{shown}`",
                f"`{env_var(setting.name)}`",
                setting.metadata["help"],
            )
        )
    return _table(("setting", "default", "environment variable", "what it does"), rows)


def site_file(table: str) -> str:
    """The keys of one table of the site file (server/sitekeys.py)."""
    from server.sitekeys import REQUIRED, TABLES

    rows = [
        (f"`{key}`", spec.meaning, "required" if spec.default == REQUIRED else spec.default)
        for key, spec in TABLES[table].items()
    ]
    return _table(("key", "meaning", "when left out"), rows)


def errors() -> str:
    """Every error code of the catalogue (server/refusals.py): status, meaning, Japanese."""
    from server.refusals import entries

    rows = [(f"`{e.code}`", str(e.status or "other"), e.english, e.japanese) for e in entries()]
    return _table(("code", "status", "meaning", "on the pages"), rows)


def transitions() -> str:
    """The ticket states and where each may go (server/domain/model.py)."""
    from server.domain.model import TRANSITIONS, TicketStatus

    rows = [
        (
            f"`{state}`",
            ", ".join(
                f"`{to}`" for to in sorted(TRANSITIONS.get(state, ()), key=list(TicketStatus).index)
            )
            or "nothing: the visit is over",
        )
        for state in TicketStatus
    ]
    return _table(("from", "may go to"), rows)


def event_kinds() -> str:
    """The kinds of event in the log and in `events` pushes (server/domain/events.py)."""
    from server.domain.events import EventKind

    return ", ".join(f"`{kind}`" for kind in EventKind) + "\n"


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def _options(command: click.Command) -> list[tuple[str, str]]:
    rows = []
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue  # arguments are in the usage line
        names = ", ".join(f"`{name}`" for name in param.opts)
        if not param.is_flag:
            kind = param.type
            metavar = (
                "|".join(map(str, kind.choices))
                if isinstance(kind, click.Choice)
                else kind.name.upper()
            )
            names += f" `{metavar}`"
        notes = [param.help or ""]
        if param.required:
            notes.append("Required.")
        if param.multiple:
            notes.append("May be given more than once.")
        if param.envvar:
            notes.append(f"Environment variable `{param.envvar}`.")
        if param.show_default and param.default is not None:
            notes.append(f"Default `{param.default}`.")
        rows.append((names, " ".join(n for n in notes if n)))
    return rows


def cli() -> str:
    """Every command of `madoguchi` (server/cli.py), with its options and help."""
    from server.cli import main

    commands = _commands(main, "madoguchi")
    out = [
        "```",
        _usage(main, "madoguchi"),
        "```",
        "",
        _first_paragraph(main),
        "",
        _table(("option", "what it does"), _options(main)),
        _table(
            ("command", "what it does"),
            [
                (f"[{name}](#{_slug(name)})", _first_paragraph(command))
                for name, command in commands
            ],
        ),
    ]
    for name, command in commands:
        out += [
            f"## {name}",
            "",
            "```",
            _usage(command, name),
            "```",
            "",
            _first_paragraph(command),
            "",
        ]
        rows = _options(command)
        if rows:
            out += [_table(("option", "what it does"), rows)]
    return "\n".join(out).rstrip("\n") + "\n"


def _slug(heading: str) -> str:
    """The anchor MyST gives a heading (myst_heading_anchors)."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _usage(command: click.Command, name: str) -> str:
    with click.Context(command, info_name=name) as ctx:
        return " ".join([name, *command.collect_usage_pieces(ctx)])


def _first_paragraph(command: click.Command) -> str:
    text = (command.help or "").strip()
    return re.sub(r"\s+", " ", text.split("\n\n")[0])


def _registry() -> list:  # type: ignore[type-arg]
    import server.app  # noqa: F401 - importing the app declares every endpoint
    from server.web.endpoints import REGISTRY

    return REGISTRY


def endpoints() -> str:
    """The queue API's endpoints (server/web/endpoints.py REGISTRY), a section per tag."""
    out = []
    registry = _registry()
    for tag in dict.fromkeys(spec.tag for spec in registry):
        rows = [
            (
                spec.method,
                f"`/api{spec.path}`",
                _who(spec.roles),
                "key" if spec.idempotent else "",
                spec.summary,
            )
            for spec in registry
            if spec.tag == tag
        ]
        out += [
            f"## {tag.capitalize()}",
            "",
            _table(("method", "path", "who may call it", "Idempotency-Key", "what it does"), rows),
        ]
    return "\n".join(out)


def _who(roles: tuple[str, ...] | None) -> str:
    if roles is None:
        return "anyone"
    staff = ("staff", "manager", "admin")
    if roles[-3:] == staff and len(roles) > 3:
        return ", ".join(roles[:-3]) + ", staff roles"
    return "staff roles" if roles == staff else ", ".join(roles)


def account_endpoints() -> str:
    """Logins, accounts, pairing, devices and the audit log (server/api/auth.py)."""
    from server.api.auth import ROUTES

    rows = [(method, f"`{path}`", who, summary) for method, path, who, summary in ROUTES]
    return _table(("method", "path", "who may call it", "what it does"), rows)

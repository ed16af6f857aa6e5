"""The shape of the code: the domain stays pure, adapters stay apart, modules (Python and
JavaScript) stay small, and no import goes round in a circle."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("server", "printers", "kiosk", "display", "counter")
MAX_LINES = 600

WEB_DATABASE_GEVENT_PRINTER = (
    "flask",
    "flask_socketio",
    "socketio",
    "engineio",
    "sqlalchemy",
    "alembic",
    "sqlite3",
    "gevent",
    "escpos",
    "requests",
)
WEB_AND_GEVENT = ("flask", "flask_socketio", "gevent")


def module_name(path: Path) -> str:
    """The dotted name Python gives the file, counted from the repository root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, name: str, is_package: bool = False) -> set[str]:
    """Every module a source imports, anywhere in it, with relative imports made absolute."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                kept = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(kept + ([node.module] if node.module else []))
            found.add(base)
            # `from . import schema` imports the module package.schema
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
    )


def is_within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def offences(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(imports_of(path))
        if is_within(module, forbidden)
    ]


def test_import_scan_makes_relative_imports_absolute() -> None:
    source = (
        "import flask.json\n"
        "from ..store import db\n"
        "from .model import Ticket\n"
        "def later():\n"
        "    from .. import settings\n"
    )
    found = imported_modules(source, "server.domain.tickets")
    assert found == {
        "flask.json",
        "server.store",
        "server.store.db",
        "server.domain.model",
        "server.domain.model.Ticket",
        "server",
        "server.settings",
    }
    assert imported_modules("from . import schema", "server.store", is_package=True) == {
        "server.store",
        "server.store.schema",
    }
    assert is_within("flask.json", ("flask",))
    assert not is_within("flask_socketio", ("flask",))


def test_domain_imports_no_web_database_gevent_or_printer_library() -> None:
    files = python_files("server/domain")
    assert files, "the domain package has moved; update this test"
    assert offences(files, WEB_DATABASE_GEVENT_PRINTER) == []


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    stray = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("server/domain")
        for module in sorted(imports_of(path))
        if not is_within(module, ("server.domain",))
        and module.partition(".")[0] not in sys.stdlib_module_names
        and module != "__future__"
    ]
    assert stray == []


def test_store_imports_no_web_framework_or_gevent() -> None:
    files = python_files("server/store")
    assert files, "the store package has moved; update this test"
    assert offences(files, WEB_AND_GEVENT) == []


def test_printers_never_import_the_server() -> None:
    # printers/ is a library the server drives; the dependency must only point that way.
    # While printers/ is still empty this checks nothing, and starts biting with its first file.
    assert offences(python_files("printers"), ("server",)) == []


def test_every_server_module_starts_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in python_files("server")
        if path.read_text(encoding="utf-8").strip()  # an empty package marker says nothing
        and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def script_files(*folders: str) -> list[Path]:
    """Our own browser scripts: the libraries copied in from npm (vendor/) are not ours."""
    return sorted(
        p for folder in folders for p in (ROOT / folder).rglob("*.js")
        if not {"vendor", "node_modules"} & set(p.relative_to(ROOT).parts)
    )


def test_no_module_is_over_600_lines() -> None:
    files = python_files(*PRODUCT, "tests")
    scripts = script_files(*PRODUCT, "tests")
    assert len(files) > 10 and len(scripts) > 10
    files += scripts
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


# ---- no import circles ------------------------------------------------------------------


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of this repository it imports. A module's own packages are left
    out: Python loads them before the module whatever it imports."""
    modules = {module_name(path): path for path in python_files(*PRODUCT)}
    return {
        name: {
            m for m in imports_of(path)
            if m in modules and m != name and not name.startswith(m + ".")
        }
        for name, path in modules.items()
    }


def room(module: str) -> str:
    """The package a module belongs to at the top of the tree: server.api, server.app, kiosk."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "server" and len(parts) > 1 else parts[0]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(graph.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_circle_and_only_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
    assert room("server.api.routes") == "server.api" and room("kiosk.views") == "kiosk"


def test_no_two_modules_import_each_other_even_through_others() -> None:
    graph = import_graph()
    assert len(graph) > 50
    assert circles(graph) == []


def test_no_two_packages_import_each_other_even_through_others() -> None:
    # An arrow from a package back to one that imports it is a circle one level up: what the
    # lower package needs belongs below both.
    rooms: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        rooms.setdefault(room(module), set()).update(
            room(m) for m in imported if room(m) != room(module)
        )
    assert circles(rooms) == []

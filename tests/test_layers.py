"""The layers hold: handlers → core (bot/) → storage/, imports pointing down only.

Read from the source with `ast`, so a new module is checked the day it is added.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
# The modules of bot/ that know python-telegram-bot: the assembly and the runtime around
# the handlers. Everything else in bot/ is the core, tested without Telegram.
TELEGRAM_AWARE = {"bot.app", "bot.cli", "bot.context", "bot.health", "bot.intake", "bot.jobs",
                  "bot.limiter",
                  "bot.replies", "bot.sender", "bot.updates", "bot.webhook"}


def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = ast.parse(path.read_text("utf-8"))
    return found


MODULES = _modules()


def _imports(tree: ast.Module) -> set[str]:
    """Every module this one imports, at any depth (TYPE_CHECKING blocks too)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _ours(tree: ast.Module) -> set[str]:
    return {name for name in _imports(tree) if name in MODULES}


def test_handlers_call_the_core_never_storage():
    for name, tree in MODULES.items():
        if name.startswith("handlers"):
            assert not [i for i in _imports(tree) if i.split(".")[0] == "storage"], name


def test_storage_imports_nothing_of_the_layers_above():
    for name, tree in MODULES.items():
        if name.startswith("storage"):
            assert not [i for i in _imports(tree) if i.split(".")[0] in ("bot", "handlers")], name


def test_only_the_assembly_knows_the_handlers_and_only_the_runtime_knows_telegram():
    """bot.app assembles (bot.cli starts it); the core below never calls up into handlers."""
    for name, tree in MODULES.items():
        if not name.startswith("bot"):
            continue
        imported = _imports(tree)
        if name not in ("bot.app", "bot.cli"):
            assert not [i for i in imported if i.split(".")[0] == "handlers"], name
        if name not in TELEGRAM_AWARE:
            assert not [i for i in imported if i.split(".")[0] == "telegram"], name


def test_no_imports_inside_functions():
    """An import inside a function is how an import cycle hides; there are none."""
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{name}.{node.name} imports inside the function"


def test_no_import_cycles():
    graph = {name: _ours(tree) - {name} for name, tree in MODULES.items()}
    # A package's __init__ is imported before its modules; that is no cycle of ours.
    for name in graph:
        graph[name] -= {p for p in PACKAGES if name.startswith(f"{p}.")}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name):], name]
            raise AssertionError("import cycle: " + " → ".join(cycle))
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_the_check_sees_a_cycle_and_a_storage_import():
    """The checks above can fail: the same reading finds what they forbid."""
    tree = ast.parse("from storage.repositories import cases\n"
                     "def f():\n    import bot.app\n")
    assert "storage.repositories.cases" in _imports(tree)
    assert "bot.app" in _imports(tree)

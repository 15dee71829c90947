"""Who may import whom, as a test (../GUIDE.md): the rules the layout keeps today."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in sorted(imports_of(path))
        if name in forbidden or name.startswith(tuple(f"{f}." for f in forbidden))
    ]


def test_storage_imports_neither_telegram_nor_bot() -> None:
    assert offending(modules("storage"), ("telegram", "bot", "handlers")) == []


def test_domain_imports_neither_telegram_nor_storage() -> None:
    assert offending(modules("bot/domain"), ("telegram", "storage", "handlers")) == []


def test_the_command_line_imports_no_handler() -> None:
    cli = modules("bot/cli")
    assert cli and offending(cli, ("handlers",)) == []


# The outbox workers still send through PTB's Bot; they move behind a per-channel sender when a
# second messenger arrives.
TELEGRAM_ALLOWED = ("bot/channels/telegram/", "bot/outbox/", "bot/devtools/", "bot/app.py")


def test_only_the_telegram_glue_imports_telegram() -> None:
    rest = [p for p in modules("bot") if not str(p.relative_to(ROOT)).startswith(TELEGRAM_ALLOWED)]
    assert len(rest) > 20 and offending(rest, ("telegram",)) == []


def test_no_handler_imports_another_handler() -> None:
    """Handlers share only handlers/steps.py; vocabulary lives in bot/domain."""
    problems = [
        f"{path.name} imports {name}"
        for path in modules("handlers")
        for name in imports_of(path)
        if name.startswith("handlers.") and name != "handlers.steps"
    ]
    assert problems == []

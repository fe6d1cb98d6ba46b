"""The layering rules in skill/README.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

SKILL = Path(__file__).resolve().parent.parent / "skill"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files_under(*parts: str) -> list[Path]:
    return sorted((SKILL.joinpath(*parts)).rglob("*.py"))


def test_only_app_and_web_import_flask() -> None:
    offenders = [
        str(p.relative_to(SKILL))
        for p in SKILL.rglob("*.py")
        # bench/hello.py is the benchmark's bare Flask baseline: importing flask is its job
        if str(p.relative_to(SKILL)) not in {"app.py", "web.py", "bench/hello.py"}
        and any(m.split(".")[0] == "flask" for m in imported_modules(p))
    ]
    assert offenders == []


def test_render_never_imports_ask_sdk() -> None:
    offenders = [str(p) for p in files_under("render") if any(m.startswith("ask_sdk") for m in imported_modules(p))]
    assert offenders == []


def test_practices_import_nothing_of_ours_but_practices() -> None:
    offenders = [
        (str(p.relative_to(SKILL)), m)
        for p in files_under("practices")
        for m in imported_modules(p)
        if m.startswith("skill") and not m.startswith("skill.practices")
    ]
    assert offenders == []

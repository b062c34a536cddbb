"""The public API is ``summarizer``'s ``__all__``; the README, tests and benchmarks use it from there."""

from __future__ import annotations

import ast
import pkgutil
import re
from importlib import import_module

import pytest

import summarizer
from tests.conftest import ROOT


@pytest.mark.parametrize("name", summarizer.__all__)
def test_every_public_name_imports(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from summarizer import {name}", namespace)
    assert namespace[name] is not None


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from summarizer import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(summarizer.__all__)


def test_the_implementation_lives_in_private_modules() -> None:
    # httpx's layout: `_core.py` and the others are internal; the API is __init__'s re-exports.
    # `python -m summarizer` and the schemas (custom schemas build on them) are the exceptions.
    public = sorted(m.name for m in pkgutil.iter_modules(summarizer.__path__) if not m.name.startswith("_"))
    assert public == ["schemas"]


def _readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return "\n".join(blocks)


def _public_names_from_submodules(source: str) -> list[str]:
    """``from summarizer.x import Name`` where ``Name`` is a public object: it should come from
    summarizer (an internal namesake, such as ``numbered.Span``, is not)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("summarizer."):
            module = import_module(str(node.module))
            found += [
                f"{node.module}.{a.name}"
                for a in node.names
                if a.name in summarizer.__all__ and getattr(module, a.name) is getattr(summarizer, a.name)
            ]
    return found


def test_the_readme_imports_only_from_summarizer() -> None:
    source = _readme_python()
    assert "from summarizer import" in source
    assert _public_names_from_submodules(source) == []


def test_tests_and_benchmarks_take_public_names_from_summarizer() -> None:
    files = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])
    found = {
        str(path.relative_to(ROOT)): names
        for path in files
        if (names := _public_names_from_submodules(path.read_text(encoding="utf-8")))
    }
    assert found == {}

"""What summarizer/ imports is declared in pyproject.toml, the extras' packages are imported only
by the modules that need them (so that the base install imports cleanly), and the tests run on
the versions that constraints.txt pins, which CI and the README install from."""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

PACKAGE = ROOT / "summarizer"

# The modules that may import each extra's packages: at module level ("eager") only in a module
# that the base install never imports; anywhere else inside the function that needs them.
EXTRA_SITES = {
    "service": {"_service.py": "eager", "_cli.py": "lazy"},
    "local": {"_embedded.py": "lazy"},
}
SERVICE_MODULE = "summarizer._service"


@dataclass(frozen=True)
class Import:
    name: str  # dotted, with the imported name: `from a.b import c` is "a.b.c"
    path: str  # the importing file, relative to summarizer/
    line: int
    lazy: bool  # inside a function, or only for type checking

    @property
    def top(self) -> str:
        return self.name.split(".")[0]


class _ImportVisitor(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path.relative_to(PACKAGE)
        self.depth = 0  # functions and `if TYPE_CHECKING:` blocks around the current node
        self.found: list[Import] = []

    def _nested(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _nested

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            self._nested(node)
        else:
            self.generic_visit(node)

    def _add(self, name: str, node: ast.stmt) -> None:
        self.found.append(Import(name, str(self.path), node.lineno, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # relative: from the package holding this file
            parts = ["summarizer", *self.path.parent.parts]
            base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            self._add(f"{base}.{alias.name}", node)


def _imports() -> list[Import]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        visitor = _ImportVisitor(path)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found += visitor.found
    return found


def _third_party() -> list[Import]:
    ours = {"summarizer", "__future__", *sys.stdlib_module_names}
    return [i for i in _imports() if i.top not in ours]


def _groups() -> dict[str, list[str]]:
    """The requirements of pyproject.toml: "base", and each extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"base": project["dependencies"], **project["optional-dependencies"]}


def _declared() -> dict[str, str]:
    """Each declared distribution (canonical name) and where: "base" or the name of its extra."""
    declared: dict[str, str] = {}
    for group, requirements in _groups().items():
        for line in requirements:
            name = canonicalize_name(Requirement(line).name)
            if name != "summarizer":
                declared.setdefault(name, group)
    return declared


@cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()  # reads every installed distribution's files


def _group(imported: Import, declared: dict[str, str]) -> str | None:
    """The group that declares the distribution of an import: "base", an extra, or None."""
    dists = {canonicalize_name(d) for d in _distributions().get(imported.top, [])}
    groups = {declared[d] for d in dists if d in declared}
    return "base" if "base" in groups else min(groups, default=None)


def test_every_import_is_declared() -> None:
    declared = _declared()
    missing = [i for i in _third_party() if _group(i, declared) is None]
    assert not missing, "imported by summarizer/ but not declared in pyproject.toml: " + ", ".join(
        f"{i.top} ({i.path}:{i.line})" for i in missing
    )


def test_extras_are_imported_only_where_they_are_needed() -> None:
    declared = _declared()
    misplaced = []
    for i in _third_party():
        extra = _group(i, declared)
        if extra not in EXTRA_SITES:
            continue
        site = EXTRA_SITES[extra].get(i.path)
        if site is None or (site == "lazy" and not i.lazy):
            misplaced.append(f"{i.top} of [{extra}] at {i.path}:{i.line}")
    assert not misplaced, "the base install would import: " + ", ".join(misplaced)
    assert {i.top for i in _third_party() if _group(i, declared) == "service"} >= {"fastapi", "uvicorn"}


def test_the_service_module_is_imported_lazily() -> None:
    eager = [
        f"{i.path}:{i.line}"
        for i in _imports()
        if not i.lazy and (i.name == SERVICE_MODULE or i.name.startswith(SERVICE_MODULE + "."))
    ]
    assert not eager, f"{SERVICE_MODULE} (which needs [service]) is imported at module level: {eager}"


def _test_install() -> dict[str, Version]:
    """Every distribution that `pip install -e '.[test]'` puts here, with its installed version:
    the requirements of pyproject.toml, and theirs as installed, followed through their extras."""
    groups = _groups()
    todo = [(line, frozenset({""})) for line in groups["test"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    found: dict[str, Version] = {}
    while todo:
        line, extras = todo.pop()
        req = Requirement(line)
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        name, wanted = canonicalize_name(req.name), frozenset({"", *req.extras})
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        if name == "summarizer":  # as pyproject.toml says, which an older editable install may not
            todo += [(r, frozenset({""})) for group in ["base", *req.extras] for r in groups[group]]
            continue
        dist = metadata.distribution(name)
        found[name] = Version(dist.version)
        todo += [(r, wanted) for r in dist.requires or []]
    return found


def test_the_tests_run_on_the_pinned_versions() -> None:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = Version(spec.version)
    installed = _test_install()
    assert "litellm" in installed and "xllamacpp" in installed and "fastapi" in installed
    unpinned = sorted(set(installed) - set(pins))
    assert not unpinned, f"not in constraints.txt (regenerate it as its header says): {unpinned}"
    moved = {name: f"{v} installed, {pins[name]} pinned" for name, v in installed.items() if v != pins[name]}
    assert not moved, f"reinstall with `pip install -c constraints.txt -e '.[test]'`: {moved}"


def test_ci_runs_the_readmes_test_command_from_the_constraints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in readme if line.startswith(("python3 -m venv", "apt-get")) and "pip " in line]
    assert len(commands) == 2 and all("pip install -c constraints.txt " in c for c in commands), commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci in commands and ci.endswith("&& pytest"), ci

"""Prompt templates: Jinja2 files, chosen by name, with a content hash that travels with each brief.

A prompt is a folder holding ``system.j2`` and ``user.j2``, and for the brief one file per pass
(``participants.j2``, ...) whose text is the pass's task. Folders in the configured
``prompt_dir`` take precedence over the built-in ones shipped in ``summarizer/prompts``.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from summarizer._errors import ConfigError

PARTS = ("system", "user")


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt template."""

    name: str
    sources: dict[str, str]  # part (file name without .j2) -> template text
    origin: str  # folder it was read from
    sha256: str

    def render(self, **variables: Any) -> list[dict[str, str]]:
        """The chat messages for these variables; a missing variable raises ConfigError."""
        return [{"role": part, "content": self.part(part, **variables)} for part in PARTS]

    def part(self, part: str, **variables: Any) -> str:
        """One file of the prompt, rendered; a missing file or variable raises ConfigError."""
        if part not in self.sources:
            raise ConfigError(f"prompt {self.name!r} ({self.origin}) has no {part}.j2")
        try:
            return _template(self.sources[part]).render(**variables).strip()
        except jinja2.UndefinedError as e:
            raise ConfigError(
                f"prompt {self.name!r} ({self.origin}/{part}.j2) uses an undefined variable: {e.message}"
            ) from e
        except jinja2.TemplateError as e:
            raise ConfigError(f"prompt {self.name!r} ({self.origin}/{part}.j2): {e}") from e


def available_prompts(prompt_dir: Path | None = None) -> list[str]:
    """Names of the prompts ``load_prompt`` can find: the built-in ones and those in ``prompt_dir``."""
    folders: list[Any] = [resources.files("summarizer") / "prompts"]
    if prompt_dir and Path(prompt_dir).is_dir():
        folders.append(Path(prompt_dir))
    return sorted({p.name for folder in folders for p in folder.iterdir() if (p / "system.j2").is_file()})


def load_prompt(name: str, prompt_dir: Path | None = None) -> Prompt:
    """Find the prompt folder ``name`` in ``prompt_dir``, then among the built-in prompts."""
    builtin = resources.files("summarizer") / "prompts"
    candidates: list[Any] = [Path(prompt_dir) / name] if prompt_dir else []
    candidates.append(builtin / name)
    for folder in candidates:
        if folder.is_dir():
            sources = {
                f.name.removesuffix(".j2"): f.read_text(encoding="utf-8")
                for f in folder.iterdir()
                if f.name.endswith(".j2") and f.is_file()
            }
            for part in PARTS:
                if part not in sources:
                    raise ConfigError(f"prompt {name!r} in {folder} has no {part}.j2")
            digest = hashlib.sha256()
            for part in sorted(sources):
                digest.update(f"{part}\0{sources[part]}\0".encode())
            return Prompt(name=name, sources=sources, origin=str(folder), sha256=digest.hexdigest())
    available = sorted(p.name for p in builtin.iterdir() if p.is_dir())
    where = f" in {prompt_dir} or" if prompt_dir else ""
    raise ConfigError(f"prompt {name!r} not found{where} among the built-in prompts ({', '.join(available)})")


@functools.lru_cache(maxsize=64)
def _template(source: str) -> jinja2.Template:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)
    return env.from_string(source)


@functools.cache
def field_guide(schema: type[BaseModel]) -> str:
    """A compact, indented outline of a schema's fields and their descriptions, for the prompt."""
    root = schema.model_json_schema()
    defs = root.get("$defs", {})
    lines: list[str] = []
    _describe_properties(root, defs, 0, lines)
    return "\n".join(lines)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target: dict[str, Any] = defs[node["$ref"].rsplit("/", 1)[1]]
        return target
    for choice in node.get("anyOf", []):
        if choice.get("type") != "null":
            return _resolve(choice, defs)
    return node


def _describe_properties(node: dict[str, Any], defs: dict[str, Any], depth: int, lines: list[str]) -> None:
    required = set(node.get("required", []))
    for key, raw in node.get("properties", {}).items():
        prop = _resolve(raw, defs)
        description = raw.get("description") or prop.get("description") or ""
        kind = _kind(raw, prop, defs)
        optional = "" if key in required else ", may be null" if _nullable(raw) else ", optional"
        lines.append(f"{'  ' * depth}- {key} ({kind}{optional}): {description}".rstrip(": "))
        if prop.get("type") == "array":
            item = _resolve(prop.get("items", {}), defs)
            if item.get("properties"):
                _describe_properties(item, defs, depth + 1, lines)
        elif prop.get("properties"):
            _describe_properties(prop, defs, depth + 1, lines)


def _nullable(raw: dict[str, Any]) -> bool:
    return any(choice.get("type") == "null" for choice in raw.get("anyOf", []))


def _kind(raw: dict[str, Any], prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "enum" in prop:
        return "one of " + " | ".join(str(v) for v in prop["enum"])
    if prop.get("type") == "array":
        item = _resolve(prop.get("items", {}), defs)
        limit = f", at most {prop['maxItems']}" if "maxItems" in prop else ""
        return f"list of {'objects' if item.get('properties') else item.get('type', 'items')}{limit}"
    if prop.get("properties"):
        return "object"
    return str(prop.get("type", "value"))

"""Output schemas: pydantic models whose field descriptions instruct the model."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

from summarizer._errors import ConfigError
from summarizer.schemas.brief import SCHEMA_VERSION, TONE_MAP, Brief
from summarizer.schemas.meta import Meta

SCHEMAS: dict[str, type[BaseModel]] = {"brief": Brief}

__all__ = [
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TONE_MAP",
    "Brief",
    "Meta",
    "get_schema",
    "output_json_schema",
    "schema_version",
]


def get_schema(name: str) -> type[BaseModel]:
    """A schema by name: a built-in one ("brief") or "package.module:Model"."""
    if name in SCHEMAS:
        return SCHEMAS[name]
    if ":" not in name:
        known = ", ".join(sorted(SCHEMAS))
        raise ConfigError(f"unknown schema {name!r}: use one of {known}, or 'package.module:Model'")
    module_name, _, attr = name.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"cannot load schema {name!r}: {e}") from e
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        raise ConfigError(f"schema {name!r} is not a pydantic model")
    return obj


def schema_version(schema: type[BaseModel]) -> str:
    """The version of a schema: SCHEMA_VERSION for built-ins, else the module's, else "custom"."""
    module = importlib.import_module(schema.__module__)
    return str(getattr(module, "SCHEMA_VERSION", "custom"))


def output_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of what the library returns: the model's schema plus ``meta``."""
    out = schema.model_json_schema()
    if "meta" in schema.model_fields:
        meta = Meta.model_json_schema()
        out.setdefault("$defs", {})["Meta"] = meta
        out["properties"]["meta"] = {"anyOf": [{"$ref": "#/$defs/Meta"}, {"type": "null"}], "default": None}
    return out

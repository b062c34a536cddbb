"""This package's version: written once, in pyproject.toml, and read here from the installed
metadata the first time it is asked for (never at import)."""

from __future__ import annotations

import functools


@functools.cache
def package_version() -> str:
    """The installed version of summarizer, or ``"unknown"`` when it runs from a bare checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("summarizer")
    except PackageNotFoundError:
        return "unknown"

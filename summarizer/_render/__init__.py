"""Views of a brief: Markdown for reading, HTML with the source and highlighted evidence."""

from __future__ import annotations

from typing import Any

from summarizer._render.html import to_html
from summarizer._render.markdown import to_markdown

__all__ = ["SUFFIXES", "render", "to_html", "to_markdown"]

SUFFIXES = {"json": ".json", "md": ".md", "html": ".html"}


def render(result: Any, format: str, source: str) -> str:
    """``result`` as ``json``, ``md`` or ``html``; a schema other than Brief is always JSON."""
    from summarizer.schemas import Brief

    if format == "json" or not isinstance(result, Brief):
        return str(result.model_dump_json(indent=2)) + "\n"
    return to_html(result, source) if format == "html" else to_markdown(result)

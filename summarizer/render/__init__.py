"""Views of a brief: Markdown and JSON (HTML comes with the evidence view)."""

from summarizer.render.markdown import to_markdown

__all__ = ["to_markdown"]

"""Views of a brief: Markdown for reading, HTML with the source and highlighted evidence."""

from summarizer.render.html import to_html
from summarizer.render.markdown import to_markdown

__all__ = ["to_html", "to_markdown"]

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from summarizer import Brief, Meta, to_html
from summarizer._grounding import ground
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF

META = {
    "provider": "openai", "model": "gpt-4o", "prompt": "brief", "prompt_sha256": "ab" * 32,
    "schema_name": "brief", "schema_version": "brief/3", "prompt_tokens": 10, "completion_tokens": 5,
    "cost_usd": None, "latency_s": 1.25, "retries": 0, "source_sha256": "cd" * 32,
}  # fmt: skip


def _page(**changes: object) -> str:
    data = json.loads(json.dumps(STUB_BRIEF))
    data.update(changes)
    source = SEED.read_text(encoding="utf-8")
    brief = ground(Brief.model_validate(data), source).output
    return to_html(brief, source)


def test_every_grounded_item_points_at_a_highlighted_span() -> None:
    page = _page()
    targets = re.findall(r'data-ev="(\d+)"', page)
    assert len(targets) == 5  # 2 participants, 1 agenda item, 1 commitment, the tone
    for target in targets:
        assert re.search(rf'<mark class="ev" data-ids="[^"]*\b{target}\b[^"]*">', page)
    assert '<mark class="ev" data-ids="1">Foreign Secretary Amna Baloch</mark>' in page


def test_page_is_self_contained() -> None:
    page = _page()
    assert "<script>" in page and "<style>" in page
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "@import" not in page


def test_text_is_escaped_and_unfound_evidence_badged() -> None:
    data = json.loads(json.dumps(STUB_BRIEF))
    data["summary"] = "<script>alert(1)</script>"
    data["tone"]["evidence"] = "words that are not in the text at all"
    page = _page(summary=data["summary"], tone=data["tone"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("not found in the source") == 1
    assert len(re.findall(r'data-ev="', page)) == 4


HOSTILE = '<script>alert(1)</script>" onclick="alert(2)'
FIXED = {"kind", "firmness", "label", "tier"}  # Literal fields: no text of their own


def _hostile(value: object, key: str = "") -> object:
    """``value`` with every free-text string replaced by markup that would run if not escaped."""
    if isinstance(value, dict):
        return {k: _hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v, key) for v in value]
    return HOSTILE if isinstance(value, str) and key not in FIXED else value


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_markup_in_the_brief_or_the_source_renders_inert() -> None:
    data = _hostile(json.loads(json.dumps(STUB_BRIEF)))
    assert isinstance(data, dict)
    data["meta"] = _hostile(json.loads(Meta(**META).model_dump_json()))
    source = f"Before. {HOSTILE} After.\n"
    page = to_html(ground(Brief.model_validate(data), source).output, source)
    parser = _Tags()
    parser.feed(page)
    assert [tag for tag, _ in parser.tags].count("script") == 1  # the page's own
    assert not [attrs for _, attrs in parser.tags if "onclick" in attrs]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onclick=&#34;alert(2)" in page
    assert '<mark class="ev" data-ids="' in page  # the evidence, found in the source, is marked

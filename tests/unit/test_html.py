from __future__ import annotations

import json
import re

from summarizer import Brief, to_html
from summarizer.grounding import ground
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF


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

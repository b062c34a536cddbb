"""The real embedded model, end to end, with no cassette (slow: a few minutes on 2 cores).

Each test has its own cache of briefs (a brief made before would not exercise the model) and
settings; the weights come from the user cache directory (see ``embedded_weights``).
"""

from __future__ import annotations

import pytest

from summarizer import TONE_MAP, Settings, Summarizer

SEED_PEOPLE = {"John Bass", "Amna Baloch", "Mohammad Ishaq Dar"}

pytestmark = pytest.mark.usefixtures("embedded_weights")


def test_seed_brief_on_the_embedded_model(seed_text: str) -> None:
    brief = Summarizer(Settings()).summarize(seed_text)  # the model is loaded once per process
    assert not brief.meta.cached
    names = {p.name for p in brief.participants}
    assert len(names & SEED_PEOPLE) >= 2, names
    assert len(brief.commitments) >= 2, brief.commitments
    # Evidence is 100% found: every item, tone included, is a span of the seed.
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    assert all(i.span is not None and seed_text[i.span.start : i.span.end] == i.evidence for i in items)
    assert brief.meta.grounding == 1.0
    assert brief.meta.provider == "embedded"
    assert brief.meta.cost_usd == 0.0
    # The passes after the first reuse the numbered document from llama.cpp's prompt cache.
    assert brief.meta.cached_tokens > brief.meta.prompt_tokens / 2
    assert TONE_MAP[brief.tone.label] in {"cooperative", "neutral", "conflictual"}


def test_a_document_over_chunk_tokens_is_briefed_in_parts(seed_text: str) -> None:
    brief = Summarizer(Settings(chunk_tokens=500)).summarize(seed_text)  # the seed is about 640 tokens
    assert brief.meta.chunks == 2
    assert len({p.name for p in brief.participants}) == len(brief.participants)
    for item in [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]:
        assert item.span is not None and seed_text[item.span.start : item.span.end] == item.evidence

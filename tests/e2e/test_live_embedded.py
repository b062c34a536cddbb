"""The real embedded model, end to end, with no cassette (slow: about a minute on 2 cores)."""

from __future__ import annotations

import pytest

from summarizer import InputError, Settings, Summarizer
from summarizer.schemas import TONE_MAP

SEED_PEOPLE = {"John Bass", "Amna Baloch", "Mohammad Ishaq Dar"}


@pytest.fixture(scope="module")
def summarizer() -> Summarizer:
    return Summarizer(Settings())


def test_seed_brief_on_the_embedded_model(summarizer: Summarizer, seed_text: str) -> None:
    brief = summarizer.summarize(seed_text)
    names = {p.name for p in brief.participants}
    assert len(names & SEED_PEOPLE) >= 2, names
    assert brief.meta.provider == "embedded"
    assert brief.meta.cost_usd == 0.0
    assert brief.meta.completion_tokens > 0
    assert TONE_MAP[brief.tone.label] in {"cooperative", "neutral", "conflictual"}


def test_too_long_for_the_context_names_the_limit(summarizer: Summarizer) -> None:
    text = "The delegates discussed fishing rights and port fees at length. " * 4000
    with pytest.raises(InputError, match="over the model's 32,768-token context"):
        summarizer.summarize(text)

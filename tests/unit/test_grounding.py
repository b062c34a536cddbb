from __future__ import annotations

import json

from summarizer.grounding import ground
from summarizer.schemas import Brief
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF


def test_every_item_gets_offsets_from_the_source() -> None:
    source = SEED.read_text(encoding="utf-8")
    brief, coverage = ground(Brief.model_validate(STUB_BRIEF), source)
    assert coverage == 1.0
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    for item in items:
        assert item.grounded is True and item.span is not None
        assert source[item.span.start : item.span.end] == item.evidence
        assert item.span.tier == "exact"


def test_unfound_evidence_is_marked_and_lowers_coverage() -> None:
    data = json.loads(json.dumps(STUB_BRIEF))
    data["commitments"][0]["evidence"] = "Both leaders signed a defence pact in Lahore"
    data["tone"]["evidence"] = "A RENEWED drive towards  strengthening bilateral relations"
    brief, coverage = ground(Brief.model_validate(data), SEED.read_text(encoding="utf-8"))
    assert brief.commitments[0].grounded is False and brief.commitments[0].span is None
    assert brief.tone.span is not None and brief.tone.span.tier == "normalized"
    assert coverage == 4 / 5  # 2 participants, 1 agenda item, the tone; not the commitment


def test_span_and_grounded_are_hidden_from_the_model() -> None:
    text = json.dumps(Brief.model_json_schema())
    assert '"span"' not in text and '"grounded"' not in text

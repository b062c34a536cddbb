from __future__ import annotations

import json

from summarizer import Brief
from summarizer._grounding import ground
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF


def test_every_item_gets_offsets_from_the_source() -> None:
    source = SEED.read_text(encoding="utf-8")
    result = ground(Brief.model_validate(STUB_BRIEF), source)
    brief = result.output
    assert result.found == result.items == 5
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    for item in items:
        assert item.grounded is True and item.span is not None
        assert source[item.span.start : item.span.end] == item.evidence
        assert item.span.tier == "exact"


def test_unfound_evidence_is_marked_and_lowers_coverage() -> None:
    data = json.loads(json.dumps(STUB_BRIEF))
    data["commitments"][0]["evidence"] = "Both leaders signed a defence pact in Lahore"
    data["tone"]["evidence"] = "A RENEWED drive towards  strengthening bilateral relations"
    result = ground(Brief.model_validate(data), SEED.read_text(encoding="utf-8"))
    brief = result.output
    assert brief.commitments[0].grounded is False and brief.commitments[0].span is None
    assert brief.tone.span is not None and brief.tone.span.tier == "normalized"
    assert (result.found, result.items) == (4, 5)  # 2 participants, 1 agenda item, the tone
    assert result.dropped == 0


def test_strict_grounding_drops_unfound_items_but_counts_them() -> None:
    data = json.loads(json.dumps(STUB_BRIEF))
    data["commitments"][0]["evidence"] = "Both leaders signed a defence pact in Lahore"
    result = ground(Brief.model_validate(data), SEED.read_text(encoding="utf-8"), drop_ungrounded=True)
    assert result.output.commitments == []
    assert (result.found, result.items, result.dropped) == (4, 5, 1)


def test_span_and_grounded_are_hidden_from_the_model() -> None:
    text = json.dumps(Brief.model_json_schema())
    assert '"span"' not in text and '"grounded"' not in text

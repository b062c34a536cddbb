from __future__ import annotations

import json

from summarizer import Brief, Meta, to_markdown
from tests.stub_server import STUB_BRIEF


def _brief(**changes: object) -> Brief:
    data = json.loads(json.dumps(STUB_BRIEF))
    data.update(changes)
    return Brief.model_validate(data)


def test_briefing_note_sections_in_reading_order() -> None:
    md = to_markdown(_brief())
    heads = [line for line in md.splitlines() if line.startswith("#")]
    assert heads == [
        "# Pakistan and US agree to strengthen ties",
        "## Participants",
        "## Agenda",
        "## Commitments",
        "### Firm",
        "## Tone",
    ]
    assert (
        "| John Bass | Acting Under Secretary of State for Political Affairs | United States"
        " | led the US delegation |" in md
    )
    assert "> “both sides agreed to strengthen ties and enhance cooperation”" in md
    assert "**cooperative**: Both sides sought closer ties." in md


def test_commitments_grouped_by_firmness() -> None:
    base = STUB_BRIEF["commitments"][0]
    commitments = [
        {**base, "actor": "A", "firmness": "possible"},
        {**base, "actor": "B", "firmness": "firm"},
        {**base, "actor": "C", "firmness": "expected"},
    ]
    md = to_markdown(_brief(commitments=commitments))
    assert md.index("### Firm") < md.index("**B**") < md.index("### Expected") < md.index("**C**")
    assert md.index("### Possible") < md.index("**A**")


def test_table_cells_escape_pipes_and_blank_values() -> None:
    people = [{**STUB_BRIEF["participants"][0], "name": "A|B", "title": "", "role": None}]
    md = to_markdown(_brief(participants=people))
    assert "| A\\|B | - | United States | - |" in md


def test_empty_lists_are_said_not_hidden() -> None:
    md = to_markdown(_brief(participants=[], agenda_items=[], commitments=[]))
    assert "None named." in md and "No agenda items identified." in md and "None stated." in md


def test_meta_footer() -> None:
    meta = Meta(
        provider="embedded",
        model="m",
        prompt="brief",
        prompt_sha256="a" * 64,
        schema_name="brief",
        schema_version="brief/2",
        prompt_tokens=10,
        completion_tokens=5,
        cost_usd=0.0,
        latency_s=1.25,
        retries=1,
        source_sha256="b" * 64,
    )
    md = to_markdown(_brief().model_copy(update={"meta": meta}))
    assert (
        "embedded/m · prompt brief (aaaaaaaaaaaa) · schema brief/2 · 10+5 tokens · 1.2 s · 1 re-asks</sub>"
        in md
    )
    meta = meta.model_copy(
        update={"repairs": ["x", "y"], "chunks": 3, "transient_retries": 2, "cached": True}
    )
    md = to_markdown(_brief().model_copy(update={"meta": meta}))
    assert (
        "1 re-asks · 2 retries after provider faults · 2 fixed by the library · 3 parts"
        " · from the cache</sub>" in md
    )


def test_hedge_words_follow_the_commitment() -> None:
    brief = _brief()
    hedged = brief.commitments[0].model_copy(update={"hedge": "agreed"})
    md = to_markdown(brief.model_copy(update={"commitments": [hedged]}))
    assert '- **Pakistan and the United States**: strengthen ties and enhance cooperation ("agreed")' in md


def test_unfound_evidence_is_flagged() -> None:
    brief = _brief()
    brief = brief.model_copy(update={"tone": brief.tone.model_copy(update={"grounded": False})})
    md = to_markdown(brief)
    assert "> “a renewed drive towards strengthening bilateral relations” *(not found in the source)*" in md
    assert md.count("not found in the source") == 1

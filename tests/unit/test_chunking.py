from __future__ import annotations

import copy
import itertools

from summarizer import Brief
from summarizer._chunking import Chunk, merge, split
from summarizer._grounding import ground
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF


def _paragraphs(n: int) -> str:
    return "\n\n".join(
        f"Paragraph {i}. " + "The delegates spoke at length about ports. " * 5 for i in range(n)
    )


def test_short_document_is_one_part() -> None:
    assert [(c.start, c.end) for c in split("Short text.", 100)] == [(0, 11)]


def test_parts_cut_between_paragraphs_cover_everything_and_overlap() -> None:
    text = _paragraphs(20)
    chunks = split(text, 1000)
    assert len(chunks) > 4
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text) <= 1000
    assert chunks[0].start == 0 and chunks[-1].end == len(text.rstrip())
    for a, b in itertools.pairwise(chunks):
        assert text[a.end :].lstrip(" ").startswith("\n\n")  # cut at a paragraph's end
        assert text[b.start : a.end].endswith("ports.")  # the next part repeats whole sentences
        assert a.start < b.start < a.end


def test_a_long_paragraph_is_cut_between_sentences() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    chunks = split(text, 500)
    assert len(chunks) > 5
    assert all(c.text.endswith(".") and c.text[0].isupper() for c in chunks)
    assert chunks[-1].end == len(text)


def test_merge_dedupes_participants_and_maps_offsets_to_the_whole_document() -> None:
    seed = SEED.read_text(encoding="utf-8")
    text = seed + "\n\n" + seed
    chunks = [Chunk(0, len(seed), seed), Chunk(len(seed) + 2, len(text), seed)]
    briefs = [ground(Brief.model_validate(copy.deepcopy(STUB_BRIEF)), c.text).output for c in chunks]
    merged = merge(briefs, chunks)
    assert [p.name for p in merged.participants] == ["John Bass", "Amna Baloch"]
    assert len(merged.agenda_items) == 1
    assert len(merged.commitments) == 2
    for c in merged.commitments:
        assert c.span is not None and text[c.span.start : c.span.end] == c.evidence
    assert merged.commitments[1].span.start > len(seed)  # type: ignore[union-attr]
    assert len(merged.summary) <= 600


def test_merged_tone_is_the_label_most_parts_share() -> None:
    seed = SEED.read_text(encoding="utf-8")
    chunks = [Chunk(i * (len(seed) + 2), i * (len(seed) + 2) + len(seed), seed) for i in range(3)]
    labels = ["tense", "cordial", "cooperative"]
    briefs = []
    for label in labels:
        data = copy.deepcopy(STUB_BRIEF)
        data["tone"]["label"] = label
        briefs.append(Brief.model_validate(data))
    assert merge(briefs, chunks).tone.label == "cordial"  # cordial and cooperative are both cooperative


def test_parts_never_end_after_an_abbreviation() -> None:
    text = " ".join(
        f"Talk {i} was held with U.S. officials and Mr. Dar at 10 a.m. on trade." for i in range(60)
    )
    chunks = split(text, 300)
    assert len(chunks) > 5
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text.rstrip().endswith("on trade."), c.text[-30:]

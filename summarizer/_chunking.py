"""Long documents: split on paragraph and sentence boundaries (the sentence splitter the model's
numbered document uses) with overlap, merge the briefs.

Each part is briefed (and grounded) on its own; :func:`merge` then shifts every evidence span
by its part's offset, so offsets always point into the whole document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from summarizer._checks import same_person
from summarizer._sentences import split_sentences
from summarizer._text import content_words
from summarizer.schemas.brief import TONE_MAP, AgendaItem, Commitment, Participant, Span

OVERLAP = 0.1
"""Share of a part repeated at the start of the next one, so no sentence loses its context."""

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    """``text == document[start:end]``."""

    start: int
    end: int
    text: str


def split(document: str, max_chars: int) -> list[Chunk]:
    """Parts of at most ``max_chars`` (unless one word is longer), that end at a paragraph's end
    where one falls in the part's last third, else at a sentence's end, else between words.
    Each part after the first starts with the last sentences of the previous one, about
    ``OVERLAP`` of a part and at least one sentence."""
    if len(document) <= max_chars:
        return [Chunk(0, len(document), document)]
    pieces = list(_pieces(document, max_chars))
    chunks: list[Chunk] = []
    i = 0
    while True:
        start = pieces[i][0]
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - start <= max_chars:
            j += 1
        if j + 1 < len(pieces) and not pieces[j][2]:
            j = next(
                (k for k in range(j, i, -1) if pieces[k][2] and pieces[k][1] - start >= max_chars * 2 / 3), j
            )
        end = pieces[j][1]
        chunks.append(Chunk(start, end, document[start:end]))
        if j + 1 >= len(pieces):
            return chunks
        k = j  # at least the last sentence, more while they fit in the overlap
        while k - 1 > i and end - pieces[k - 1][0] <= max_chars * OVERLAP:
            k -= 1
        i = k if k > i and end - pieces[k][0] <= max_chars / 2 else j + 1


def _pieces(text: str, max_chars: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, ends a paragraph) of each sentence; a sentence too long is cut into words."""
    for p_start, p_end in _cut(text, 0, len(text), _PARAGRAPH):
        sentences = [(p_start + s.start, p_start + s.end) for s in split_sentences(text[p_start:p_end])]
        for n, (s_start, s_end) in enumerate(sentences):
            last = n == len(sentences) - 1
            if s_end - s_start <= max_chars:
                yield s_start, s_end, last
                continue
            words = _cut(text, s_start, s_end, re.compile(r"\s+"))
            for m, (w_start, w_end) in enumerate(words):
                yield w_start, w_end, last and m == len(words) - 1


def _cut(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    bounds = []
    at = start
    for m in separator.finditer(text, start, end):
        if m.start() > at:
            bounds.append((at, m.start()))
        at = m.end()
    if at < end:
        bounds.append((at, end))
    return bounds


def merge(outputs: list[M], chunks: list[Chunk]) -> M:
    """One output from the outputs of the parts, field by field, every span shifted to an offset
    into the whole document.

    A list keeps each item once: participants deduplicated by name, agenda items merged by
    subject, a commitment seen twice in an overlap kept once, anything else by equality; a kept
    item takes the fields its twin fills and it leaves empty. A labelled item (the tone) takes
    the label most parts share; any other item, each field's first non-empty value. The summary
    is the parts' summaries in order, whole sentences, within its length bound; any other text is
    the first part's.
    """
    shifted = [_shift(o, c.start) for o, c in zip(outputs, chunks, strict=True)]
    fields = type(shifted[0]).model_fields
    updates: dict[str, Any] = {}
    for name, info in fields.items():
        values = [getattr(o, name) for o in shifted]
        if name == "meta" or values[0] is None:
            continue
        if isinstance(values[0], list):
            updates[name] = _union([item for value in values for item in value])
        elif isinstance(values[0], BaseModel) and hasattr(values[0], "label"):
            updates[name] = _vote(values)
        elif isinstance(values[0], BaseModel):
            updates[name] = values[0].model_copy(update=_first_filled(values))
        elif name == "summary":
            updates[name] = _join_summaries(values, _max_length(info) or 600)
    merged: M = shifted[0].model_copy(update=updates)
    return merged


M = TypeVar("M", bound=BaseModel)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Participant) and isinstance(b, Participant):
        return same_person(a, b)
    if isinstance(a, AgendaItem) and isinstance(b, AgendaItem):
        words, other = content_words(a.topic), content_words(b.topic)
        return bool(words) and (words <= other or other <= words)
    if isinstance(a, Commitment) and isinstance(b, Commitment):
        if a.span is not None and b.span is not None:
            return a.span.start < b.span.end and b.span.start < a.span.end and a.actor == b.actor
        return a.evidence == b.evidence and a.actor == b.actor
    return bool(a == b)


def _union(items: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for item in items:
        twin = next((k for k in kept if _same(item, k)), None)
        if twin is None:
            kept.append(item)
        elif isinstance(twin, BaseModel):
            for name, value in _first_filled([twin, item]).items():
                setattr(twin, name, value)
    return kept


def _first_filled(values: list[Any]) -> dict[str, Any]:
    """Each field's first non-empty value among ``values`` (models of one type)."""
    names = type(values[0]).model_fields
    return {n: next((getattr(v, n) for v in values if getattr(v, n)), getattr(values[0], n)) for n in names}


def _vote(values: list[Any]) -> Any:
    """The item whose label most parts share (tone labels counted as cooperative, neutral or
    conflictual); of equals, the first."""
    mapped = [TONE_MAP.get(v.label, v.label) for v in values]
    votes = Counter(mapped)
    return values[max(range(len(values)), key=lambda i: (votes[mapped[i]], -mapped.index(mapped[i])))]


def _max_length(info: Any) -> int | None:
    return next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)


def _shift(value: Any, offset: int) -> Any:
    """A copy whose spans, however deep, are offsets into the whole document."""
    if offset == 0:
        return value
    if isinstance(value, Span):
        return value.model_copy(update={"start": value.start + offset, "end": value.end + offset})
    if isinstance(value, BaseModel):
        return value.model_copy(
            update={n: _shift(getattr(value, n), offset) for n in type(value).model_fields}
        )
    if isinstance(value, list):
        return [_shift(v, offset) for v in value]
    return value


def _join_summaries(summaries: list[str], limit: int) -> str:
    """The parts' summaries in order, whole sentences only, within ``limit`` characters."""
    out = ""
    for sentence in (s.text for summary in summaries for s in split_sentences(summary)):
        candidate = f"{out} {sentence}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    return out or summaries[0][:limit]

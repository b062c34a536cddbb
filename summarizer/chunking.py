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

from summarizer.checks import same_person
from summarizer.schemas.brief import TONE_MAP, AgendaItem, Brief, Commitment, MeetingContext, Participant
from summarizer.scoring import content_words
from summarizer.sentences import split_sentences

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


def merge(briefs: list[Brief], chunks: list[Chunk]) -> Brief:
    """One brief from the briefs of the parts (already grounded against their part).

    Participants are deduplicated by name, agenda items merged by subject, every commitment is
    kept (a commitment seen twice in an overlap is kept once), and the tone is the label most
    parts share.
    """
    shifted = [_shift(b, c.start) for b, c in zip(briefs, chunks, strict=True)]
    participants: list[Participant] = []
    for p in (p for b in shifted for p in b.participants):
        twin = next((q for q in participants if same_person(p, q)), None)
        if twin is None:
            participants.append(p)
        else:
            twin.title = twin.title or p.title
            twin.affiliation = twin.affiliation or p.affiliation
            twin.role = twin.role or p.role
    agenda: list[AgendaItem] = []
    for a in (a for b in shifted for a in b.agenda_items):
        words = content_words(a.topic)
        if not any(
            words and (words <= content_words(k.topic) or content_words(k.topic) <= words) for k in agenda
        ):
            agenda.append(a)
    commitments: list[Commitment] = []
    for c in (c for b in shifted for c in b.commitments):
        if not any(_same_commitment(c, k) for k in commitments):
            commitments.append(c)
    votes = Counter(TONE_MAP[b.tone.label] for b in shifted)
    winner = max(votes, key=lambda label: (votes[label], -_first_index(shifted, label)))
    tone = shifted[_first_index(shifted, winner)].tone
    context = MeetingContext(
        date=next((b.context.date for b in shifted if b.context.date), None),
        place=next((b.context.place for b in shifted if b.context.place), None),
        format=next((b.context.format for b in shifted if b.context.format), None),
    )
    return shifted[0].model_copy(
        update={
            "context": context,
            "participants": participants,
            "agenda_items": agenda,
            "commitments": commitments,
            "tone": tone,
            "summary": _join_summaries([b.summary for b in shifted], 600),
        }
    )


def _first_index(briefs: list[Brief], mapped_label: str) -> int:
    return next(i for i, b in enumerate(briefs) if TONE_MAP[b.tone.label] == mapped_label)


def _same_commitment(a: Commitment, b: Commitment) -> bool:
    if a.span is not None and b.span is not None:
        return a.span.start < b.span.end and b.span.start < a.span.end and a.actor == b.actor
    return a.evidence == b.evidence and a.actor == b.actor


def _shift(brief: Brief, offset: int) -> Brief:
    """A copy whose spans are offsets into the whole document."""

    def moved(item: object) -> object:
        span = getattr(item, "span", None)
        if span is None or offset == 0:
            return item
        return item.model_copy(  # type: ignore[attr-defined]
            update={"span": span.model_copy(update={"start": span.start + offset, "end": span.end + offset})}
        )

    return brief.model_copy(
        update={
            "participants": [moved(p) for p in brief.participants],
            "agenda_items": [moved(a) for a in brief.agenda_items],
            "commitments": [moved(c) for c in brief.commitments],
            "tone": moved(brief.tone),
        }
    )


def _join_summaries(summaries: list[str], limit: int) -> str:
    """The parts' summaries in order, whole sentences only, within ``limit`` characters."""
    out = ""
    for sentence in (s.text for summary in summaries for s in split_sentences(summary)):
        candidate = f"{out} {sentence}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    return out or summaries[0][:limit]

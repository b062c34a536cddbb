"""The document as the model sees it, in numbered sentences, and the spans the library makes of
the numbers it cites.

The model cites evidence by sentence number; it never writes a quote. The library turns the
numbers into character spans of the source, narrowed where it can: to a participant's name and
title, or to a commitment's cue words and action. So every span is the source's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from summarizer._alignment import align, normalized
from summarizer._sentences import Sentence, split_sentences
from summarizer._speakers import LABEL, Speaker, labels

NARROW_THRESHOLD = 75.0
"""Lowest fuzzy score at which an action is located inside its cited sentence."""


@dataclass(frozen=True)
class Span:
    """``document[start:end]``, found by the library."""

    start: int
    end: int
    text: str


class Numbered:
    """A document split into sentences, numbered from 1."""

    def __init__(self, text: str, speakers: dict[str, Speaker] | None = None) -> None:
        """``speakers``: a transcript's speaker labels and who they name, if ``text`` is part of
        a longer document (which names its chair once); else read from ``text``."""
        self.text = text
        self.sentences = split_sentences(text)
        self.speakers = labels(text) if speakers is None else speakers

    @cached_property
    def turns(self) -> list[tuple[int, Span, Speaker]]:
        """A transcript's speaker turns: the sentence each opens, its label, and who speaks."""
        found: list[tuple[int, Span, Speaker]] = []
        if not self.speakers:
            # Not a transcript: no line to look back through (a long one-line text made that quadratic).
            return found
        for n, s in enumerate(self.sentences, 1):
            opens_line = not self.text[self.text.rfind("\n", 0, s.start) + 1 : s.start].strip()
            m = LABEL.match(s.text) if opens_line else None
            if m and (who := self.speakers.get(m.group("label"))):
                found.append((n, self._span(s.start + m.start("label"), s.start + m.end("label")), who))
        return found

    def __len__(self) -> int:
        return len(self.sentences)

    @cached_property
    def rendered(self) -> str:
        """``[1] First sentence.`` one per line; a sentence's own line breaks become spaces."""
        return "\n".join(f"[{n}] {' '.join(s.text.split())}" for n, s in enumerate(self.sentences, 1))

    def valid(self, numbers: list[int]) -> list[int]:
        """The numbers that name a sentence, in order, without repeats."""
        return list(dict.fromkeys(n for n in numbers if 1 <= n <= len(self.sentences)))

    def sentence(self, n: int) -> Sentence:
        return self.sentences[n - 1]

    def naming(self, phrase: str) -> list[int]:
        """The numbers of the sentences that hold ``phrase`` (case, quotes and dashes aside)."""
        return [n for n, s in enumerate(self.sentences, 1) if _find(phrase, s) is not None]

    def best(self, phrase: str, numbers: list[int], threshold: float) -> int | None:
        """Of sentences ``numbers``, the one that holds most of ``phrase`` (a paraphrase, maybe),
        if it scores at least ``threshold`` (0-100); the first of equals."""
        from rapidfuzz import fuzz

        key = " ".join(phrase.lower().split())
        scored = [
            (fuzz.partial_ratio(key, self.sentence(n).text.lower()), -i, n) for i, n in enumerate(numbers)
        ]
        score, _, n = max(scored, default=(0.0, 0, 0))
        return n if scored and score >= threshold else None

    def holds(self, n: int, phrase: str) -> bool:
        """Whether sentence ``n`` holds ``phrase`` (case, quotes and dashes aside)."""
        return _find(phrase, self.sentence(n)) is not None

    def whole(self, n: int) -> Span:
        s = self.sentence(n)
        return Span(s.start, s.end, s.text)

    def name_span(self, n: int, name: str, title: str) -> Span | None:
        """The name in sentence ``n``, with the title where it stands right beside it
        ("Foreign Secretary Amna Baloch", "John Bass, the Under Secretary"); None if absent."""
        s = self.sentence(n)
        found = _find(name, s)
        if found is None:
            return None
        start, end = found
        at = _find(title, s) if title else None
        if at is not None:
            gap_before = self.text[at[1] : start]
            gap_after = self.text[end : at[0]]
            if at[1] <= start and _joins(gap_before):
                start = at[0]
            elif at[0] >= end and _joins(gap_after):
                end = at[1]
        return self._span(start, end)

    def action_span(self, n: int, action: str, cue: re.Pattern[str]) -> Span:
        """The part of sentence ``n`` that states an undertaking: from the cue word before the
        action ("agreed", "may") to the action's end; the whole sentence when neither is found."""
        s = self.sentence(n)
        found = _find(action, s, threshold=NARROW_THRESHOLD)
        cues = [(m.start() + s.start, m.end() + s.start) for m in cue.finditer(s.text)]
        if found is None:
            return self.whole(n)
        start, end = found
        before = [c for c in cues if c[0] <= start]
        if before:
            start = before[-1][0]
            # A run of cues stands together: "may commit", "is expected to pledge".
            for c in reversed(before[:-1]):
                if len(self.text[c[1] : start].split()) > 2:
                    break
                start = c[0]
        return self._span(start, end)

    def _span(self, start: int, end: int) -> Span:
        start, end = _whole_words(self.text, start, end)
        return Span(start, end, self.text[start:end])


def _find(phrase: str, s: Sentence, threshold: float = 100.0) -> tuple[int, int] | None:
    """Where ``phrase`` stands in sentence ``s``, as offsets into the whole document."""
    if not phrase.strip():
        return None
    if threshold >= 100.0:
        # Whole words only: "Bass" is not in "embassy", nor "NATO" in "senator".
        for found in _occurrences(phrase, s.text):
            return s.start + found[0], s.start + found[1]
        return None
    aligned = align(phrase, s.text, threshold=threshold)
    return None if aligned is None else (s.start + aligned.start, s.start + aligned.end)


def _occurrences(phrase: str, text: str) -> Iterator[tuple[int, int]]:
    """Where ``phrase`` stands in ``text`` as whole words, case, quotes and dashes aside."""
    norm_text, index = normalized(text)
    norm_phrase, _ = normalized(phrase)
    at = norm_text.find(norm_phrase)
    while at >= 0:
        end = at + len(norm_phrase)
        before = at == 0 or not (norm_text[at - 1].isalnum() and norm_phrase[0].isalnum())
        after = end == len(norm_text) or not (norm_text[end].isalnum() and norm_phrase[-1].isalnum())
        if before and after:
            yield index[at], index[end - 1] + 1
        at = norm_text.find(norm_phrase, at + 1)


def _joins(gap: str) -> bool:
    """Whether the text between a title and a name binds them: a space, a comma, "the"."""
    return len(gap) <= 8 and re.fullmatch(r"[\s,]*(?:the\s+)?", gap, re.IGNORECASE) is not None


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``start`` and ``end`` moved out to word boundaries, and in past spaces and commas."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and text[start] in " ,;:\n\t":
        start += 1
    while end > start and text[end - 1] in " ,;:\n\t":
        end -= 1
    return start, end

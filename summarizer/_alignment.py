"""Aligning evidence quotes to the source text, in three tiers.

1. ``exact``: the quote occurs verbatim.
2. ``normalized``: it occurs once whitespace, quotation marks, dashes and case are normalised.
3. ``fuzzy``: rapidfuzz's best partial alignment scores at least ``FUZZY_THRESHOLD`` (0-100).

Offsets are always character offsets into the original source, computed here, never taken
from the model.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Literal

FUZZY_THRESHOLD = 90.0
"""Lowest rapidfuzz partial-ratio score (0-100) at which a quote counts as found."""

MIN_FUZZY_LENGTH = 12
"""Shorter quotes must match exactly or after normalisation: fuzzy scores on a few characters mean little."""

Tier = Literal["exact", "normalized", "fuzzy"]

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u00ab": '"',
    "\u00bb": '"',
}
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")


@dataclass(frozen=True)
class Alignment:
    """Where a quote stands in the source: ``source[start:end]``."""

    start: int
    end: int
    tier: Tier
    score: float


@functools.lru_cache(maxsize=64)
def normalized(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalised text, and for each of its characters the index of the source character.

    Remembered: the checks align many quotes against one source (``align`` normalises it for
    every quote that is not found verbatim).
    """
    out: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(out)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        folded = "".join(_QUOTES.get(c, _DASHES.get(c, c)) for c in folded).lower()
        if pending_space:
            out.append(" ")
            index.append(i)
            pending_space = False
        for c in folded:
            out.append(c)
            index.append(i)
    return "".join(out), tuple(index)


def align(quote: str, source: str, *, threshold: float = FUZZY_THRESHOLD) -> Alignment | None:
    """Find ``quote`` in ``source``; None when no tier finds it."""
    if not quote.strip():
        return None
    start = source.find(quote)
    if start >= 0:
        return Alignment(start, start + len(quote), "exact", 100.0)
    norm_source, index = normalized(source)
    norm_quote, _ = normalized(quote)
    at = norm_source.find(norm_quote)
    if at >= 0:
        return Alignment(index[at], index[at + len(norm_quote) - 1] + 1, "normalized", 100.0)
    if len(norm_quote) < MIN_FUZZY_LENGTH:
        return None
    from rapidfuzz import fuzz

    found = fuzz.partial_ratio_alignment(norm_quote, norm_source, score_cutoff=threshold)
    if found is None or found.dest_end <= found.dest_start:
        return None
    return Alignment(index[found.dest_start], index[found.dest_end - 1] + 1, "fuzzy", round(found.score, 1))

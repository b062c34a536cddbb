"""Grounding: find each item's evidence in the source and record where, and how surely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from summarizer._alignment import align
from summarizer.schemas.brief import Span

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Grounded(Generic[M]):
    """The output with spans, and the counts behind its grounding coverage."""

    output: M
    items: int  # items with evidence
    found: int  # of those, items whose evidence was found
    dropped: int  # items dropped because their evidence was not found


def ground(output: M, source: str, *, drop_ungrounded: bool = False) -> Grounded[M]:
    """A copy of ``output`` whose evidence-bearing items carry ``span`` and ``grounded``.

    With ``drop_ungrounded``, list items whose evidence is not found are left out. Items of
    schemas without ``span``/``grounded`` fields are counted but not changed.
    """
    counts = [0, 0, 0]  # items with evidence, items grounded, items dropped
    grounded = _walk(output, source, counts, drop_ungrounded)
    return Grounded(grounded, items=counts[0], found=counts[1], dropped=counts[2])


def _walk(value: Any, source: str, counts: list[int], drop: bool) -> Any:
    if isinstance(value, BaseModel):
        updates = {
            name: _walk(getattr(value, name), source, counts, drop)
            for name in type(value).model_fields
            if name not in ("span", "grounded", "meta")
        }
        updates = {k: v for k, v in updates.items() if v is not getattr(value, k)}
        evidence = getattr(value, "evidence", None)
        if getattr(value, "span", None) is not None:  # placed by the library already
            counts[0] += 1
            counts[1] += 1
        elif isinstance(evidence, str):
            counts[0] += 1
            found = align(evidence, source)
            counts[1] += found is not None
            if "span" in type(value).model_fields:
                span = (
                    Span(start=found.start, end=found.end, tier=found.tier, score=found.score)
                    if found
                    else None
                )
                updates.update(span=span, grounded=found is not None)
        return value.model_copy(update=updates)
    if isinstance(value, list):
        items = [_walk(v, source, counts, drop) for v in value]
        if drop:
            kept = [v for v in items if getattr(v, "grounded", None) is not False]
            counts[2] += len(items) - len(kept)
            return kept
        return items
    return value

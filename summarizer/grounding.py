"""Grounding: find each item's evidence in the source and record where, and how surely."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from summarizer.alignment import align
from summarizer.schemas.brief import Span

M = TypeVar("M", bound=BaseModel)


def ground(output: M, source: str) -> tuple[M, float | None]:
    """A copy of ``output`` whose evidence-bearing items carry ``span`` and ``grounded``.

    Returns the copy and the share of those items whose evidence was found (None if there are
    none). Items of schemas without ``span``/``grounded`` fields are counted but not changed.
    """
    counts = [0, 0]  # items with evidence, items grounded
    grounded = _walk(output, source, counts)
    return grounded, (counts[1] / counts[0] if counts[0] else None)


def _walk(value: Any, source: str, counts: list[int]) -> Any:
    if isinstance(value, BaseModel):
        updates = {
            name: _walk(getattr(value, name), source, counts)
            for name in type(value).model_fields
            if name not in ("span", "grounded", "meta")
        }
        evidence = getattr(value, "evidence", None)
        if isinstance(evidence, str):
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
        return [_walk(v, source, counts) for v in value]
    return value

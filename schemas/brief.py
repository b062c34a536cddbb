"""The brief of a meeting or of diplomatic talks: what the library returns.

The embedded pipeline asks the model for it in small passes (``schemas/passes.py``) and builds
it, with every evidence span, itself. A provider asked for a custom schema in one go reads these
descriptions as its instructions: field order is generation order, short grounded fields first,
free prose last.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from summarizer.schemas.meta import Meta

SCHEMA_VERSION = "brief/3"

MAX_EVIDENCE = 600
"""Longest evidence, in characters: a sentence, or a cited part of one."""

Evidence = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_EVIDENCE,
        description="The words of the document that show this item: a phrase, at most one sentence.",
    ),
]
Short = Annotated[str, Field(max_length=120)]

ToneLabel = Literal["cooperative", "cordial", "neutral", "tense", "hostile"]

TONE_MAP: dict[str, Literal["cooperative", "neutral", "conflictual"]] = {
    "cooperative": "cooperative",
    "cordial": "cooperative",
    "neutral": "neutral",
    "tense": "conflictual",
    "hostile": "conflictual",
}
"""How each tone label maps onto cooperative / neutral / conflictual (used by the eval)."""


class _Item(BaseModel):
    # A validation error (and so a re-ask, or a log line) names the problem, never the whole input.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class Span(BaseModel):
    """Where an item's evidence stands in the source, found by the library, never by the model."""

    start: int = Field(description="Character offset of the first character in the source.")
    end: int = Field(description="Character offset just past the last character.")
    tier: Literal["exact", "normalized", "fuzzy"] = Field(
        description="How it was found: verbatim, after normalising case, whitespace, quotes and"
        " dashes, or by fuzzy matching above the documented threshold."
    )
    score: float = Field(description="Match score, 0-100 (100 for exact and normalized).")


class _Grounded(_Item):
    """An item with evidence; the library adds where the evidence stands in the source."""

    span: SkipJsonSchema[Span | None] = None
    grounded: SkipJsonSchema[bool | None] = None


class MeetingContext(_Item):
    """When, where and how the meeting took place."""

    date: Short | None = Field(None, description='As written, e.g. "yesterday"; null if not stated.')
    place: Short | None = Field(None, description="City or venue as written; null if not stated.")
    format: Short | None = Field(
        None, description='A few words, e.g. "bilateral talks", "phone call", "committee hearing".'
    )


class Participant(_Grounded):
    """A person or body that took part or acted."""

    evidence: Evidence = Field(
        description="The phrase that names them, with their title if the document gives one, copied exactly."
    )
    name: Short = Field(
        description='The name as written, without title: "Maria Lopez", not "Deputy Minister Maria Lopez".'
    )
    title: Short = Field(
        description='Their title or office, copied from the evidence, e.g. "Deputy Minister"; "" if none.'
    )
    affiliation: Short = Field(
        description='The country or organisation they represent, e.g. "Chile";'
        ' "" if the document does not say.'
    )
    kind: Literal["person", "body"] = Field(description="person, or body for a state or organisation.")
    role: Short | None = Field(None, description="host, guest, chair, speaker or participant.")


class AgendaItem(_Grounded):
    """A subject that was discussed."""

    topic: Annotated[str, Field(max_length=60)] = Field(
        description='A label of one to four words, e.g. "fishing rights".'
    )
    evidence: Evidence
    summary: Annotated[str, Field(max_length=160)] | None = Field(
        None, description="What was said about it, in at most 15 words; null if not given."
    )


class Commitment(_Grounded):
    """Something a party undertook, or is expected or able to do."""

    actor: Short = Field(
        description='Who undertook it, named as in the document: a person, e.g. "Paul Martin", a country or'
        ' organisation, e.g. "France", or both parties by name, e.g. "Chile and France".'
    )
    action: Annotated[str, Field(max_length=200)] = Field(
        description='A short verb phrase, e.g. "fund the new port".'
    )
    beneficiary: Short | None = Field(None, description="Who benefits; null if not stated.")
    firmness: Literal["firm", "expected", "possible"] = Field(
        description="firm: agreed, pledged, committed, reaffirmed, signed, promised, will."
        " expected: is expected to, is set to, will likely. possible: may, could, might, explore, offered."
    )
    deadline: Short | None = Field(None, description="The deadline if stated; else null.")
    evidence: Evidence
    hedge: SkipJsonSchema[str | None] = Field(
        None, description="The modal words of the evidence that set the firmness, found by the library."
    )


class PartyStance(_Item):
    """The attitude one party shows."""

    party: Short = Field(description="The party, named as in the document.")
    stance: Short = Field(description='A few words, e.g. "wants faster progress".')


class Tone(_Grounded):
    """The overall tone of the meeting."""

    evidence: Evidence
    label: ToneLabel = Field(
        description="cooperative: working together, agreeing. cordial: friendly, little substance."
        " neutral: factual. tense: disagreement, pressure. hostile: threats, accusations, force."
    )
    stances: Annotated[list[PartyStance], Field(max_length=3)] = Field(
        default_factory=list, description="Each party's stance, where the document shows one."
    )
    rationale: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="At most 20 words: why this label; null if not given."
    )


class Brief(_Item):
    """A briefing note on one meeting or round of talks."""

    context: MeetingContext
    # maxItems bounds one request's output; the merged brief of a long document may hold more.
    participants: list[Participant] = Field(
        description="Everyone who met, spoke or acted, each once.", json_schema_extra={"maxItems": 15}
    )
    agenda_items: list[AgendaItem] = Field(
        description="Every subject discussed, each once, most important first.",
        json_schema_extra={"maxItems": 10},
    )
    commitments: list[Commitment] = Field(
        description="Every undertaking, expectation or possibility stated; empty if none.",
        json_schema_extra={"maxItems": 10},
    )
    tone: Tone
    summary: Annotated[str, Field(max_length=600)] = Field(
        description="Neutral, at most 60 words: who met, about what, with what result."
    )
    headline: Annotated[str, Field(max_length=120)] = Field(description="At most 12 words.")
    meta: SkipJsonSchema[Meta | None] = None

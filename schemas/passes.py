"""What the model is asked for, one question at a time: the passes of a brief.

These are not what the library returns (that is :class:`~summarizer.schemas.brief.Brief`).
They are small, so a small model answers them quickly and well: evidence is a list of
sentence numbers of the numbered document, which the library turns into quoted spans; labels
are enums where a label will do; prose is bounded. Evidence comes last: asked for it first, the
small model cites the first sentences before it knows what it is citing.

Field descriptions are the model's instructions (the prompt shows them as a field guide).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema

from summarizer.schemas.brief import ToneLabel

Cites = Annotated[
    list[int],
    Field(
        min_length=1,
        max_length=3,
        description="The numbers of the sentences that show it, e.g. [2].",
    ),
]
Role = Literal["host", "guest", "chair", "speaker", "participant"]


class _Answer(BaseModel):
    """One pass's answer. The engine's checks see it through the validation context, so a
    problem goes back to the model as a re-ask that names it."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, str_strip_whitespace=True)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Any:
        request = (info.context or {}).get("request")
        return self if request is None else request.check(self)


class _Item(BaseModel):
    # " IOC" is the IOC: a small model sometimes writes a space before a name.
    model_config = ConfigDict(str_strip_whitespace=True)


class Person(_Item):
    """A named person who met, spoke or acted."""

    name: Annotated[str, Field(max_length=80)] = Field(
        description='The name as written, without title: "Maria Lopez", not "Minister Maria Lopez".'
    )
    title: Annotated[str, Field(max_length=100)] = Field(
        description='Their title as written beside the name, e.g. "Deputy Minister"; "" if none.'
    )
    side: Annotated[str, Field(max_length=50)] = Field(
        description='The country or organisation they represent, e.g. "Chile"; "" if not stated.'
    )
    role: Role = Field(description="host, guest, chair, speaker, or participant.")
    evidence: Cites
    kind: SkipJsonSchema[Literal["person"]] = "person"


class Party(_Item):
    """A country, group or organisation that took part: it acted, or was acted on."""

    name: Annotated[str, Field(max_length=80)] = Field(
        description='As written, e.g. "Peru" or "rebel leaders".'
    )
    evidence: Cites
    # The library's, not the model's: a party is its own side, with no title.
    title: SkipJsonSchema[str] = ""
    side: SkipJsonSchema[str] = ""
    role: SkipJsonSchema[Role] = "participant"
    kind: SkipJsonSchema[Literal["body"]] = "body"


class Participants(_Answer):
    """Pass 1: who took part, the people first."""

    people: Annotated[list[Person], Field(max_length=12)] = Field(
        description="Each named person who met, spoke or acted, once; [] if none."
    )
    parties: Annotated[list[Party], Field(max_length=8)] = Field(
        description="Each country, group or organisation on either side that acted or was acted on,"
        " once, unless a person listed represents it; [] if none."
    )

    @property
    def everyone(self) -> list[Person | Party]:
        return [*self.people, *self.parties]


class Topic(_Item):
    """A subject that was discussed."""

    topic: Annotated[str, Field(max_length=50)] = Field(
        description='A label of one to four words, e.g. "fishing rights".'
    )
    evidence: Cites


class Agenda(_Answer):
    """Pass 2: what was discussed."""

    agenda: Annotated[list[Topic], Field(min_length=1, max_length=10)] = Field(
        description="Every subject discussed, each once, most important first."
    )


class Undertaking(_Item):
    """Something a party undertook, or is expected or able to do."""

    actor: Annotated[str, Field(max_length=80)] = Field(
        description='Who undertook it, as the document names them: "France", "Paul Martin",'
        ' or both parties by name, "Chile and France".'
    )
    action: Annotated[str, Field(max_length=120)] = Field(
        description='What they undertook, a short verb phrase: "fund the port study".'
    )
    firmness: Literal["firm", "expected", "possible"] = Field(
        description="firm: agreed, pledged, signed, will. expected: is expected to, plans to,"
        " will likely. possible: may, could, might, explore, offered."
    )
    evidence: Cites


class Commitments(_Answer):
    """Pass 3: who committed to what, and how firmly."""

    commitments: Annotated[list[Undertaking], Field(max_length=8)] = Field(
        description="Each undertaking once, under the party that undertook it; [] if none."
    )


class SomeCommitments(Commitments):
    """Pass 3, for a document whose words promise at least one undertaking."""

    commitments: Annotated[list[Undertaking], Field(min_length=1, max_length=8)] = Field(
        description="Each undertaking once, under the party that undertook it."
    )


ToneOf = Annotated[
    ToneLabel,
    Field(
        description="cooperative: agreeing, helping, supporting, aid, friendly visits and talks."
        " cordial: friendly, little substance. tense: disagreement, demands, rejection, pressure,"
        " protest. hostile: threats, accusations, attacks, force. neutral: none of these."
    ),
]
Headline = Annotated[str, Field(max_length=100, description="At most 12 words: what happened.")]


class Overview(_Answer):
    """Pass 4: a headline, a summary, then the tone they show (written first, they ground it)."""

    headline: Headline
    summary: Annotated[str, Field(max_length=300)] = Field(
        description="At most 30 words: who met, about what, with what result."
    )
    tone: ToneOf
    evidence: Cites


class ShortOverview(_Answer):
    """Pass 4 for a document of one or two sentences, its own summary: a headline and the tone."""

    headline: Headline
    tone: ToneOf
    evidence: Cites

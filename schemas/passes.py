"""What the model is asked for, one question at a time: the passes of a brief.

These are not what the library returns (that is :class:`~summarizer.schemas.brief.Brief`).
They are small, so a small model answers them quickly and well: evidence is a list of
sentence numbers of the numbered document, which the library turns into quoted spans; labels
are enums where a label will do; prose is bounded. Evidence comes last: asked for it first, the
small model cites the first sentences before it knows what it is citing.

Field descriptions are the model's instructions (the prompt shows them as a field guide).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

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


Firmness = Literal["firm", "expected", "possible"]


class Undertaking(_Item):
    """Something a party undertook, or is expected or able to do: what the library checks and
    builds on. The model does not write it in this form (see :func:`by_cue`)."""

    actor: Annotated[str, Field(max_length=80)]
    action: Annotated[str, Field(max_length=120)]
    firmness: Firmness
    evidence: Cites


class Commitments(_Answer):
    """Pass 3 as the library reads it: who committed to what, how firmly, and where it is said."""

    commitments: list[Undertaking] = Field(
        description="Each undertaking once, under the party that undertook it."
    )


@dataclass(frozen=True)
class Cue:
    """Words of undertaking in the document: the key the model answers under ("3 agreed to
    strengthen ties"), the sentence it is in, and the firmness its words give."""

    key: str
    sentence: int
    firmness: Firmness


class _ByCue(Commitments):
    """Pass 3 as the model answers it: for each place in the document with words of undertaking,
    who undertook what, or null.

    A small model asked for a list of commitments stops after the first few, and puts them under
    the wrong party. Asked about each place in turn, keyed by its own words, it considers them
    all; choosing the actor from the parties the first pass found, it cannot invent one. The
    words fix the firmness, so the model does not write it. The library reads the answer as
    :class:`Commitments`, each citing its sentence.
    """

    model_config = ConfigDict(json_schema_extra=lambda schema, cls: _cue_schema(schema, cls))
    cues: ClassVar[tuple[Cue, ...]] = ()
    actors: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _by_cue(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "commitments" in data:
            return data
        missing = [c.key for c in cls.cues if c.key not in data]
        if missing:
            raise ValueError(f"answer for each of {', '.join(missing)}: null if it is not an undertaking")
        pledges = []
        for c in cls.cues:
            said = data[c.key]
            if not isinstance(said, dict):
                continue
            actor = said.get("actor")
            actor = " and ".join(dict.fromkeys(actor)) if isinstance(actor, list) else actor
            pledges.append({**said, "actor": actor, "firmness": c.firmness, "evidence": [c.sentence]})
        return {"commitments": pledges}


ACTOR = "Who undertook it: one party, or both for a joint undertaking."
ACTION = 'What they undertook, a short verb phrase: "fund the port study".'


def _cue_schema(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    cues: tuple[Cue, ...] = getattr(cls, "cues", ())
    actors: tuple[str, ...] = getattr(cls, "actors", ())
    who: dict[str, Any] = {"type": "string", "maxLength": 80}
    if actors:
        who = {"type": "array", "items": {"enum": list(actors)}, "minItems": 1, "maxItems": 3}
    pledge = {
        "type": "object",
        "properties": {
            "actor": {**who, "description": ACTOR},
            "action": {"type": "string", "maxLength": 120, "description": ACTION},
        },
        "required": ["actor", "action"],
        "additionalProperties": False,
    }
    schema.pop("$defs", None)
    schema["properties"] = {c.key: {"anyOf": [pledge, {"type": "null"}]} for c in cues}
    schema["required"] = [c.key for c in cues]
    schema["additionalProperties"] = False


@lru_cache(maxsize=256)
def by_cue(cues: tuple[Cue, ...], actors: tuple[str, ...] = ()) -> type[Commitments]:
    """Pass 3's response model: an answer, or null, under each of ``cues``; the actor one or more
    of ``actors`` (free text if none are known)."""
    namespace = {"cues": cues, "actors": actors, "__module__": __name__}
    return type("CommitmentsByCue", (_ByCue,), namespace)


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

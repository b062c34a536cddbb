"""A brief in focused passes over one numbered document, and the brief the library builds of them.

Small models do better on one question at a time. Each pass has its own short task, small
response model and checks; all share one prompt prefix (the instructions, then the numbered
document), so a provider's prompt cache processes the document once for all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from summarizer._checks import CUES, hedge_words, normalize_affiliation, party_name
from summarizer._numbered import Numbered, Span
from summarizer._prompts import Prompt, field_guide
from summarizer.schemas import brief as out
from summarizer.schemas.passes import (
    Agenda,
    Commitments,
    Overview,
    Participants,
    ShortOverview,
    SomeCommitments,
    _Answer,
)


@dataclass(frozen=True)
class Pass:
    """One question: its name (also its prompt file) and what the model answers."""

    name: str
    model: type[_Answer]


PASSES = (
    Pass("participants", Participants),
    Pass("agenda", Agenda),
    Pass("commitments", Commitments),
    Pass("overview", Overview),
)

A = TypeVar("A", bound=BaseModel)

_SHALL = re.compile(r"\bshall\b", re.IGNORECASE)  # an undertaking, though not a firmness cue


SHORT = 2
"""A document of at most this many sentences is its own summary: the model writes none."""


def response_model(p: Pass, doc: Numbered) -> type[_Answer]:
    """The pass's response model for ``doc``: commitments may be empty only where no word of the
    document promises one (left free to be empty, a small model answers [] too often), and a
    short document gets no summary written."""
    if p.model is Commitments and (CUES.search(doc.text) or _SHALL.search(doc.text)):
        return SomeCommitments
    if p.model is Overview and len(doc) <= SHORT:
        return ShortOverview
    return p.model


def messages(prompt: Prompt, p: Pass, doc: Numbered) -> list[dict[str, str]]:
    """The chat messages of pass ``p``: the instructions for every pass (the same for every
    document), then the numbered document and this pass's task."""
    guides = {q.name: field_guide(q.model) for q in PASSES}
    task = prompt.part(p.name, undertakings=undertakings(doc), short=len(doc) <= SHORT)
    return prompt.render(document=doc.rendered, task=task, guides=guides, fields="")


def undertakings(doc: Numbered) -> str:
    """The numbers of the sentences whose words may state an undertaking ("agreed", "will",
    "may", ...): a small model lists far more of the commitments when shown where to look.
    (Shown the words too, it wrote them as the actions.)"""
    return ", ".join(str(n) for n, s in enumerate(doc.sentences, 1) if CUES.search(s.text))


def assemble(answers: dict[str, BaseModel], doc: Numbered) -> out.Brief:
    """The brief of the passes' checked answers, every evidence span made from cited numbers."""
    people = _answer(answers, Participants)
    agenda = _answer(answers, Agenda)
    pledges = _answer(answers, Commitments)
    overview = next(a for a in answers.values() if isinstance(a, Overview | ShortOverview))
    participants = []
    for p in people.everyone:
        cited = [*doc.valid(p.evidence), *doc.naming(p.name)]
        if not cited:
            continue
        span = next((s for n in cited if (s := doc.name_span(n, p.name, p.title))), None)
        participants.append(
            out.Participant(
                name=p.name,
                title=p.title,
                affiliation=normalize_affiliation(p.side),
                kind=p.kind,
                role=p.role,
                **_evidence(span or doc.whole(cited[0])),
            )
        )
    agenda_items = [
        out.AgendaItem(topic=a.topic, **_evidence(doc.whole(doc.valid(a.evidence)[0])))
        for a in agenda.agenda
        if doc.valid(a.evidence)
    ]
    sides = list(dict.fromkeys(p.affiliation for p in participants if p.kind == "person" and p.affiliation))
    commitments = []
    for c in pledges.commitments:
        if not doc.valid(c.evidence):
            continue
        span = doc.action_span(doc.valid(c.evidence)[0], c.action, CUES)
        cues = hedge_words(span.text)
        commitments.append(
            out.Commitment(
                actor=party_name(c.actor, sides),
                action=c.action,
                firmness=c.firmness,
                hedge=" ".join(cues) or None,
                **_evidence(span),
            )
        )
    return out.Brief(
        context=out.MeetingContext(),
        participants=participants,
        agenda_items=agenda_items,
        commitments=commitments,
        tone=out.Tone(label=overview.tone, **_evidence(doc.whole(doc.valid(overview.evidence)[0]))),
        summary=_whole_sentences(overview.summary if isinstance(overview, Overview) else _short(doc.text)),
        headline=overview.headline,
    )


def _short(text: str) -> str:
    """A short document as its own summary, within the brief's bound."""
    text = " ".join(text.split())
    limit = out.Brief.model_fields["summary"].metadata[0].max_length
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit - 3)] + "..."


def _whole_sentences(text: str) -> str:
    """``text`` without a last sentence cut off at the length bound, if a whole one precedes it."""
    text = text.strip()
    if text.endswith((".", "!", "?")):
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    return text[: end + 1] if end > 0 else text


def _answer(answers: dict[str, BaseModel], kind: type[A]) -> A:
    return next(a for a in answers.values() if isinstance(a, kind))


def _evidence(span: Span) -> dict[str, Any]:
    end = (
        span.start + len(span.text[: out.MAX_EVIDENCE].rsplit(" ", 1)[0])
        if len(span.text) > out.MAX_EVIDENCE
        else span.end
    )
    return {
        "evidence": span.text[: end - span.start],
        "span": out.Span(start=span.start, end=end, tier="exact", score=100.0),
        "grounded": True,
    }

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

from summarizer._checks import (
    CUES,
    hedge_words,
    mentions,
    normalize_affiliation,
    party_name,
    spellings,
    weakest,
)
from summarizer._numbered import Numbered, Span
from summarizer._prompts import Prompt, field_guide
from summarizer._speakers import Speaker
from summarizer.schemas import brief as out
from summarizer.schemas.passes import (
    Agenda,
    Commitments,
    Cue,
    Overview,
    Participants,
    Person,
    ShortOverview,
    _Answer,
    by_cue,
)


@dataclass(frozen=True)
class Pass:
    """One question: its name (also its prompt file), what the model answers, and the pass
    whose answer it is asked with, if any."""

    name: str
    model: type[_Answer]
    after: str | None = None


PASSES = (
    Pass("participants", Participants),
    Pass("agenda", Agenda),
    Pass("commitments", Commitments, after="participants"),
    Pass("overview", Overview),
)

A = TypeVar("A", bound=BaseModel)

SHORT = 2
"""A document of at most this many sentences is its own summary: the model writes none."""

CUE_SPAN = 40
"""Characters: cues closer than this to the last one start no place of their own ("may explore")."""

KEY_WORDS = 5
"""Words of the document in a place's key, from its cue on ("3 agreed to strengthen ties")."""


def passes_for(doc: Numbered) -> tuple[Pass, ...]:
    """The passes ``doc`` needs: commitments only where a sentence has words of undertaking
    (the checks keep no commitment that none states); participants not in a transcript, whose
    speakers the library lists (:func:`speakers`)."""
    skip = (() if cues(doc) else (Commitments,)) + ((Participants,) if doc.turns else ())
    return tuple(p for p in PASSES if p.model not in skip)


def speakers(doc: Numbered) -> Participants | None:
    """A transcript's participants: everyone with a turn in ``doc``, each citing their first turn
    whose label names them, else their first turn; None if ``doc`` is not a transcript."""
    first: dict[Speaker, int] = {}
    for n, label, who in doc.turns:
        named = who.name in label.text
        if who not in first or (named and who.name not in doc.sentence(first[who]).text):
            first[who] = n
    if not first:
        return None
    people = [
        Person.model_construct(
            name=who.name,
            title=who.title,
            side=who.side,
            role="chair" if who.chairs else "speaker",
            evidence=[n],
        )
        for who, n in first.items()
    ]
    # Built by the library, not asked: a committee has more speakers than the pass's bound.
    return Participants.model_construct(people=people, parties=[])


def stages(doc: Numbered) -> list[tuple[Pass, ...]]:
    """The passes ``doc`` needs, in the order they can be asked: those asked with another's
    answer after it (passes of one stage may be asked at once)."""
    needed = passes_for(doc)
    first = tuple(p for p in needed if p.after is None)
    then = tuple(p for p in needed if p.after is not None)
    return [first, then] if then else [first]


def response_model(p: Pass, doc: Numbered, people: Participants | None = None) -> type[_Answer]:
    """The pass's response model for ``doc``: commitments are asked place by place, their actors
    chosen from the participants' answer, ``people``; a short document gets no summary written."""
    if p.model is Commitments:
        return by_cue(cues(doc), actors(people) if people is not None else ())
    if p.model is Overview and len(doc) <= SHORT:
        return ShortOverview
    return p.model


def asked(p: Pass) -> type[_Answer]:
    """The model pass ``p`` is asked for, in a form that does not depend on the document."""
    return by_cue((Cue("1 will", 1, "firm"),), ("A", "B")) if p.model is Commitments else p.model


def messages(prompt: Prompt, p: Pass, doc: Numbered) -> list[dict[str, str]]:
    """The chat messages of pass ``p``: the instructions for every pass (the same for every
    document), then the numbered document and this pass's task."""
    guides = {q.name: field_guide(q.model) for q in PASSES if q.model is not Commitments}
    places = ", ".join(" ".join(c.key.split()[:2]) for c in cues(doc))
    task = prompt.part(p.name, places=places, short=len(doc) <= SHORT)
    return prompt.render(document=doc.rendered, task=task, guides=guides, fields="")


def cues(doc: Numbered) -> tuple[Cue, ...]:
    """The places in ``doc`` with words that may state an undertaking ("agreed", "will", "may",
    ...), each keyed by its sentence number and words, with the firmness its words give."""
    found: dict[str, Cue] = {}
    for n, sentence in enumerate(doc.sentences, 1):
        text = sentence.text
        last = -CUE_SPAN
        for m in CUES.finditer(text):
            if m.start() - last < CUE_SPAN:
                continue
            last = m.start()
            window = text[m.start() : m.start() + CUE_SPAN]
            firmness = weakest(hedge_words(window))
            words = " ".join(re.sub(r'["\\]', "", text[m.start() :]).split()[:KEY_WORDS]).rstrip(",.;:")
            key = f"{n} {words}"
            found.setdefault(key, Cue(key, n, firmness))  # type: ignore[arg-type]
    return tuple(found.values())


def actors(people: Participants) -> tuple[str, ...]:
    """The parties a commitment's actor is chosen from: the people and parties of the
    participants' answer, and the sides the people represent."""
    names = [p.name for p in people.everyone]
    names += [normalize_affiliation(p.side) for p in people.people]
    return tuple(dict.fromkeys(n for n in names if n))


def assemble(answers: dict[str, BaseModel], doc: Numbered) -> out.Brief:
    """The brief of the passes' checked answers, every evidence span made from cited numbers."""
    people = speakers(doc) or _answer(answers, Participants)
    agenda = _answer(answers, Agenda)
    pledges = next((a for a in answers.values() if isinstance(a, Commitments)), Commitments(commitments=[]))
    overview = next(a for a in answers.values() if isinstance(a, Overview | ShortOverview))
    participants = []
    for p in people.everyone:
        cited = doc.valid(p.evidence) if doc.turns else [*doc.valid(p.evidence), *doc.naming(p.name)]
        if not cited:
            continue
        span = next((s for n in cited if (s := doc.name_span(n, p.name, p.title))), None)
        span = span or next((label for n, label, _ in doc.turns if n == cited[0]), None)
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
                actor=joint(party_name(c.actor, sides), doc.text),
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


def joint(actor: str, text: str) -> str:
    """A joint actor's parties in the order ``text`` first names them: one pair, one name."""
    parts = actor.split(" and ")

    def first(part: str) -> int:
        return min(mentions(spellings(part), text), default=len(text))

    return " and ".join(sorted(parts, key=first)) if len(parts) > 1 else actor


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

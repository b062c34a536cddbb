"""Checks of the model's answers against the numbered document: the mistakes small models
make, and how to fix them.

Each check yields a :class:`Problem`: a message that tells the model what to fix (instructor
sends it back as the re-ask) and, where the library can make the fix itself, a function that
does. A ``minor`` problem never causes a re-ask: the library fixes it. While re-asks remain, any
other problem fails validation; on the last attempt the library applies the fixes it can, lists
them in ``meta.repairs``, and puts back the items of earlier answers that a re-ask lost when they
raise no new problem.

Evidence is sentence numbers, so no quote can be invented; what is checked is that the numbers
exist, that a participant is named in the sentences cited for them, that a commitment's
firmness matches the cue words where it is stated, and that nothing is listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from summarizer._text import TITLE_TOKENS, content_words, name_tokens, surname

if TYPE_CHECKING:
    from summarizer._numbered import Numbered
    from summarizer.schemas.passes import Participants, Party, Person, Undertaking


class Named(Protocol):
    """A participant, as the model answers it or as the brief holds it."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...


MAX_TOPIC_WORDS = 6
"""Longest agenda label accepted, in words."""

CITED_MATCH = 60.0
"""Lowest fuzzy score (0-100) at which a cited sentence counts as stating a commitment's action."""

ELSEWHERE_MATCH = 70.0
"""The same, for a sentence the model did not cite."""

TOPIC_MATCH = 80.0
"""Lowest fuzzy score at which a sentence counts as holding an agenda topic."""

MAX_LISTED_WORDS = 4
"""Longest item of an enumeration that completes the agenda, in words."""

MAX_AGENDA = 10
"""The agenda pass's limit, which completion keeps to."""

PREFIX = 6
"""Letters of a word that stand for it when a topic is looked for in the document: "negotiations"
is in "offered to negotiate"."""

MAX_MESSAGES = 8
"""Problems named in one re-ask; more would drown the small model."""

REASK_HEADER = "Fix these problems and answer again, keeping every other item as it was:"
"""First line of a re-ask. Told only what to fix, a small model tends to drop the rest."""

FIRMNESS_CUES: dict[str, tuple[str, ...]] = {
    "possible": (
        "may",
        "might",
        "could",
        "explore",
        "explores",
        "exploring",
        "consider",
        "considers",
        "considering",
        "possibly",
        "offer",
        "offers",
        "offered",
        "offering",
        "ready to",
        "willing to",
        "prepared to",
    ),
    "expected": (
        "expected to",
        "is set to",
        "are set to",
        "will likely",
        "likely to",
        "plans to",
        "plan to",
        "planning to",
        "intends to",
        "intend to",
        "intending to",
        "aims to",
        "aim to",
        "aiming to",
    ),
    "firm": (
        "agreed",
        "agree",
        "agrees",
        "agreeing",
        "committed",
        "commit",
        "commits",
        "commitment",
        "pledged",
        "pledge",
        "pledges",
        "pledging",
        "reaffirmed",
        "reaffirm",
        "reaffirms",
        "reaffirming",
        "signed",
        "signing",
        "vowed",
        "vow",
        "vows",
        "vowing",
        "promised",
        "promise",
        "promises",
        "promising",
        "will",
        "shall",
    ),
}
"""Modal words of the evidence that fix a commitment's firmness, weakest class first."""

CUES = re.compile(
    r"\b(?:"
    # Longest first, so that of two cues starting at one word the longer wins. "may" only in
    # lower case: "in May" is a month.
    + "|".join(
        c if c == "may" else f"(?i:{re.escape(c)})"
        for c in sorted((c for cues in FIRMNESS_CUES.values() for c in cues), key=len, reverse=True)
    )
    + r")\b"
)

AFFILIATIONS: dict[str, tuple[str, ...]] = {
    "United States": ("us", "u s", "usa", "united states of america", "america", "american", "washington"),
    "United Kingdom": ("uk", "u k", "britain", "great britain", "british", "london"),
    "Russia": ("russian federation", "russian", "moscow", "kremlin"),
    "China": ("prc", "people s republic of china", "chinese", "beijing"),
    "European Union": ("eu", "e u", "brussels"),
    "United Nations": ("un", "u n"),
    "Pakistan": ("pakistani", "islamabad"),
    "India": ("indian", "new delhi"),
    "France": ("french", "paris"),
    "Germany": ("german", "berlin"),
    "Japan": ("japanese", "tokyo"),
    "Iran": ("iranian", "tehran"),
    "Israel": ("israeli",),
    "Turkey": ("turkish", "turkiye", "ankara"),
    "Ukraine": ("ukrainian", "kyiv", "kiev"),
}
"""Canonical affiliation and the spellings, adjectives and capitals that mean it."""

_ALIAS = {alias: name for name, aliases in AFFILIATIONS.items() for alias in (name.lower(), *aliases)}
_PLACEHOLDERS = frozenset(
    ["unknown", "n/a", "na", "none", "null", "not stated", "not specified", "unspecified", "-"]
)
_BOTH_SIDES = re.compile(r"^(both|the two|all) (sides|parties|countries|governments|delegations|leaders)$")


@dataclass
class Problem:
    """One thing to fix: what to tell the model, and the library's own fix if it has one.

    A ``minor`` problem is named in a re-ask that happens anyway, but never causes one.
    """

    message: str
    fix: Callable[[], None] | None = None
    minor: bool = False


@dataclass
class Request:
    """One pass's request as its checks see it, through instructor's validation context.

    ``people`` is the participants' answer, for a pass asked after it (commitments' actors).
    ``last_attempt`` is set by the engine: on the last attempt the checks fix what they can
    instead of asking again. ``repairs`` collects what the library fixed; ``earlier`` the
    answers sent back for a re-ask, whose lost items the last attempt restores.
    """

    doc: Numbered
    people: Participants | None = None
    repairs: list[str] = field(default_factory=list)
    earlier: list[BaseModel] = field(default_factory=list)
    last_attempt: Callable[[], bool] = lambda: True

    def check(self, answer: BaseModel) -> BaseModel:
        """``answer``, fixed where the library can; raises ValueError (a re-ask) while re-asks remain."""
        final = self.last_attempt()
        if final and self.earlier:
            self.repairs += [
                r
                for r in restore_dropped(answer, self.earlier, self.doc, self.people)
                if r not in self.repairs
            ]
        problems = list(find_problems(answer, self.doc, self.people))
        if not final and not all(p.minor for p in problems):
            self.earlier.append(answer.model_copy(deep=True))
            shown = problems[:MAX_MESSAGES]
            more = len(problems) - len(shown)
            lines = [f"- {p.message}" for p in shown] + ([f"- and {more} more"] if more > 0 else [])
            raise ValueError(REASK_HEADER + "\n" + "\n".join(lines))
        for problem in problems:
            if problem.fix is not None:
                problem.fix()
                # instructor may validate one answer more than once: name each repair once.
                if problem.message not in self.repairs:
                    self.repairs.append(problem.message)
        return answer


def find_problems(answer: BaseModel, doc: Numbered, people: Participants | None = None) -> Iterator[Problem]:
    """Every problem of one pass's ``answer`` against ``doc`` (and the ``people`` of the
    participants' answer, for commitments)."""
    from summarizer.schemas.passes import Agenda, Commitments, Participants

    for what, item, items in _cited(answer):
        yield from _range_problems(what, item, items, doc)
    if isinstance(answer, Participants):
        yield from _participant_problems(answer, doc)
    elif isinstance(answer, Agenda):
        yield from _agenda_problems(answer, doc)
    elif isinstance(answer, Commitments):
        yield from _commitment_problems(answer.commitments, doc, people)


def restore_dropped(
    answer: BaseModel, earlier: list[BaseModel], doc: Numbered, people: Participants | None = None
) -> list[str]:
    """Put back the items of ``earlier`` answers that a re-ask lost, when they add no problem.

    A re-ask asks the model to keep every other item as it was, but a small model often drops
    some anyway. An earlier item comes back only if adding it raises no new problem (other than
    a minor one). Returns what was restored, for ``meta.repairs``.
    """
    restored: list[str] = []
    count = _serious_count(answer, doc, people)
    for name in _list_fields(answer):
        for old in earlier:
            for item in getattr(old, name):
                current = getattr(answer, name)
                if item in current:
                    continue
                trial = answer.model_copy(update={name: [*current, item.model_copy()]})
                trial_count = _serious_count(trial, doc, people)
                if trial_count > count:
                    continue
                setattr(answer, name, getattr(trial, name))
                count = trial_count
                note = f"{_what(item)} was dropped by a re-ask: restored"
                if note not in restored:
                    restored.append(note)
    return restored


def _serious_count(answer: BaseModel, doc: Numbered, people: Participants | None) -> int:
    return sum(not p.minor for p in find_problems(answer, doc, people))


def _list_fields(answer: BaseModel) -> list[str]:
    """The names of the answer's lists of items ("evidence" is its own citation)."""
    return [n for n in type(answer).model_fields if n != "evidence" and isinstance(getattr(answer, n), list)]


def _what(item: Any) -> str:
    for attr, kind in (("name", "participant"), ("topic", "agenda item"), ("action", "commitment")):
        if hasattr(item, attr):
            return f'{kind} "{_label(getattr(item, attr))}"'
    return "the overview"


def _cited(answer: BaseModel) -> Iterator[tuple[str, Any, list[Any] | None]]:
    """(what, item, the list holding it) for every item of ``answer`` that cites sentences."""
    names = _list_fields(answer)
    if not names:
        yield _what(answer), answer, None
    for name in names:
        items = getattr(answer, name)
        for item in items:
            yield _what(item), item, items


def normalize_affiliation(text: str) -> str:
    """One spelling per affiliation; "" for the words a model writes for "not stated"."""
    return "" if _is_placeholder(text) else canonical_affiliation(text)


# --- the checks ----------------------------------------------------------------------------


def _label(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _range_problems(what: str, item: Any, items: list[Any] | None, doc: Numbered) -> Iterator[Problem]:
    valid = doc.valid(item.evidence)
    bad = [n for n in item.evidence if n not in valid]
    if not bad:
        return

    def fix() -> None:
        # With no number left, a later fix may still find the sentence; else the item is left out.
        item.evidence = valid if valid or items is not None else [1]

    cites = ", ".join(str(n) for n in bad)
    yield Problem(
        f"{what} cites sentence {cites}, but the sentences are numbered 1 to {len(doc)}:"
        " cite the sentences that show it",
        fix=fix,
    )


def _participant_problems(answer: Participants, doc: Numbered) -> Iterator[Problem]:
    yield from _named_problems(answer.people, doc, answer.parties)
    yield from _named_problems(answer.parties, doc)
    sides = {normalize_affiliation(p.side).lower() for p in answer.people} - {""}
    for b in answer.parties:
        if normalize_affiliation(b.name).lower() in sides:
            yield Problem(
                f'participant "{_label(b.name)}" is represented by a person listed: left out',
                _drop(answer.parties, b),
                True,
            )


HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|M|Mme|Mlle|Messrs|Sir|Dame|Herr|Frau)\.?", re.IGNORECASE)
"""A form of address, which the model sometimes gives as a title ("Mr. Kohler": title "Mr.")."""


def _named_problems(
    people: list[Person] | list[Party], doc: Numbered, parties: list[Party] | None = None
) -> Iterator[Problem]:
    """``people``: the answer's people, with its ``parties``, or its parties alone."""
    for p in people:
        what = f'participant "{_label(p.name)}"'
        if parties is not None and _is_country(p.name):
            # Named as the document writes it ("U. S." as "United States"), as a party would be.
            written = None if doc.naming(p.name) else _written_as(p.name, doc)
            spelled = f' as "{written[0]}"' if written else ""
            yield Problem(
                f"{what} is a country, not a person: listed among the parties{spelled}",
                _to_parties(p, people, parties, written),
                True,
            )
            continue
        if is_reference_code(p.name):
            yield Problem(
                f"{what} is a reference code, not a person or body: left out", _drop(people, p), True
            )
            continue
        if p.kind == "person" and not_a_name(p.name):
            yield Problem(f"{what} is not a person's name: left out", _drop(people, p), True)
            continue
        titled = _title_in_name(p) if p.kind == "person" else None
        bare = _name_left(p.name, titled) if titled else _without_title(p.name)
        # Each lookup scans the whole document: made once, for the name as the document writes it.
        naming = doc.naming(bare) if bare else []
        name = bare if naming else p.name
        naming = naming or doc.naming(name) or _naming_in_parts(name, doc)
        cited = doc.valid(p.evidence)
        if not any(doc.name_span(n, name, "") for n in cited):
            if len(naming) == 1:
                yield Problem(f"{what} is named in sentence {naming[0]}: cited it", _cite(p, naming), True)
            elif naming:
                # Named elsewhere: cite those sentences. Asking again costs a whole second answer.
                numbers = ", ".join(str(n) for n in naming[:3])
                yield Problem(
                    f"{what} is named in sentences {numbers}: cited them", _cite(p, naming[:3]), True
                )
            elif written := _written_as(p.name, doc):
                spelled, where = written
                yield Problem(
                    f'{what} is written "{spelled}" in the document: renamed',
                    _rename(people, p, spelled, where[:3]),
                    True,
                )
            else:
                yield Problem(
                    f"{what} is not named in the document: write the name as the document does",
                    _drop(people, p),
                )
        if titled:
            yield Problem(
                f'{what}: the title "{titled}" moved out of the name', _strip_title(p, titled), True
            )
        # A title beside the one in the name is checked too: "Mr. Macmillan", "Trade Minister".
        if HONORIFIC.fullmatch(p.title.strip()):
            yield Problem(
                f'{what}: "{p.title.strip()}" is a form of address, not a title: cleared',
                _set(p, "title", ""),
                True,
            )
        elif p.title and p.title != titled and not any(doc.holds(n, p.title) for n in naming):
            yield Problem(
                f'{what}: the title "{_label(p.title)}" is not written beside the name: cleared',
                _set(p, "title", ""),
                True,
            )
    listed: list[Person | Party] = list(people)
    for i, a in enumerate(listed):
        for b in listed[i + 1 :]:
            if same_person(a, b):
                yield Problem(
                    f'participants "{a.name}" and "{b.name}" are one: merged', _merge(people, a, b), True
                )
                break


def _commitment_problems(
    commitments: list[Undertaking], doc: Numbered, people: Participants | None
) -> Iterator[Problem]:
    parties = {c.actor.lower() for c in commitments}
    offered = _offered(people)
    everywhere = list(range(1, len(doc) + 1))
    stating = [n for n in everywhere if CUES.search(doc.sentence(n).text)]
    seen: list[tuple[Undertaking, int, set[str]]] = []
    for c in commitments:
        what = f'commitment "{_label(c.action)}"'
        parts = [p.strip() for p in re.split(r",|\band\b|&", c.actor) if p.strip()]
        missing = [
            p for p in parts if p not in offered and not _named_in(p, parties - {c.actor.lower()}, doc.text)
        ]
        if missing:
            yield Problem(
                f'{what}: the actor "{c.actor}" is not a party named in the document; name the country,'
                " organisation or person as the document does",
                _drop(commitments, c),
            )
            continue
        if not CUES.sub(" ", c.action).strip(" .,;:'\"-"):
            yield Problem(
                f"{what}: that is only the words of undertaking; write what was undertaken",
                _drop(commitments, c),
            )
            continue
        # The sentence that states it: a cited one with an undertaking's words and the action,
        # else any such sentence; a small model often cites by position, not by content.
        cited = [n for n in doc.valid(c.evidence) if n in stating]
        where = doc.best(c.action, cited, CITED_MATCH) or doc.best(c.action, stating, ELSEWHERE_MATCH)
        if where is None:
            yield Problem(
                f"{what}: no sentence states it as an undertaking: left out", _drop(commitments, c), True
            )
            continue
        if [where] != doc.valid(c.evidence)[:1]:
            yield Problem(
                f"{what} is stated in sentence {where}: cited it", _set(c, "evidence", [where]), True
            )
        span = doc.action_span(where, c.action, CUES)
        before = doc.sentence(where).text[: span.start - doc.sentence(where).start]
        nearest = _nearest(offered, before) if offered else None
        if nearest is not None and not _agrees(parts, nearest, people):
            yield Problem(
                f'{what}: "{nearest}" is named just before the words of undertaking in sentence'
                f' {where}: set as the actor for "{c.actor}"',
                _set(c, "actor", nearest),
                True,
            )
        cues = hedge_words(span.text)
        level = weakest(cues)
        if level is not None and level != c.firmness:
            said = " ".join(cues)
            yield Problem(
                f'{what}: the document says "{said}", so it is {level}', _set(c, "firmness", level), True
            )
        words = content_words(c.action)
        twin = next((k for k, at, other in seen if _same_undertaking(c, k, at == where, words, other)), None)
        if twin is not None:
            how = (
                "listed twice" if twin.actor.lower() == c.actor.lower() else f"listed under {twin.actor} too"
            )
            yield Problem(f"{what} of {c.actor} is {how}: left out", _drop(commitments, c), True)
        else:
            seen.append((c, where, words))


def _offered(people: Participants | None) -> dict[str, list[str]]:
    """The actors a commitment may name (the participants' people, parties and sides), each with
    the names that mention it: a person by name or surname, a side by its spellings or a person
    on it."""
    if people is None:
        return {}
    offered: dict[str, list[str]] = {}
    for p in people.everyone:
        tokens = name_tokens(p.name)
        last = surname(tokens) if p.kind == "person" else None
        offered.setdefault(p.name, []).extend([p.name, *([last] if last else [])])
    for p in people.people:
        side = normalize_affiliation(p.side)
        if side:
            names = offered.setdefault(side, spellings(side))
            names += offered.get(p.name, [])
    return offered


def spellings(side: str) -> list[str]:
    """The ways a text names an affiliation, its aliases spelled as written: "u s" is "U.S.",
    "us" is "US" (matched in capitals only: not the pronoun)."""

    def spelled(alias: str) -> str:
        if " " in alias and all(len(w) == 1 for w in alias.split()):
            return ".".join(alias.upper().split()) + "."
        return alias.upper() if len(alias) <= 3 else alias

    return [side, *map(spelled, AFFILIATIONS.get(side, ()))]


def mentions(names: list[str], text: str, *, possessive: bool = True) -> list[int]:
    """Where any of ``names`` stands in ``text`` (offsets, in order), as a word ("Chile" also
    opening "Chilean"); without ``possessive``, not where it owns something ("Pakistan's")."""
    found = []
    tail = "" if possessive else r"(?!['’]s\b)"
    for name in names:
        stem = rf"|{re.escape(name[:-1])}\w+" if len(name) >= 5 else ""
        pattern = rf"(?<!\w)(?:{re.escape(name)}(?!\w){stem}){tail}"
        # An acronym in capitals is matched as written: "US" is not "us".
        flags = 0 if name.isupper() and len(name.replace(".", "")) <= 3 else re.IGNORECASE
        found += [m.start() for m in re.finditer(pattern, text, flags)]
    return sorted(set(found))


def _nearest(offered: dict[str, list[str]], before: str) -> str | None:
    """The offered actor named last in ``before`` (a sentence up to its words of undertaking),
    not as an owner: most often the subject ("Pence vowed that ...", "while Pakistan aims to").
    A person comes before the side they are on."""
    last = {
        actor: max(mentions(names, before, possessive=False), default=-1) for actor, names in offered.items()
    }
    best = max(last.values(), default=-1)
    return next((a for a, at in last.items() if at == best), None) if best >= 0 else None


def _agrees(parts: list[str], nearest: str, people: Participants | None) -> bool:
    """Whether an actor of ``parts`` is the ``nearest`` party, or the side of that person, or a
    person on that side ("United States" for "John Bass ... commitment")."""
    sides = {p.name: normalize_affiliation(p.side) for p in people.people} if people else {}
    return any(nearest in (part, sides.get(part)) or sides.get(nearest) == part for part in parts)


def _same_undertaking(
    a: Undertaking, b: Undertaking, same_sentence: bool, words: set[str], other: set[str]
) -> bool:
    """The same undertaking: the same actor and action, or the same sentence and much the same
    action under another actor (a small model mirrors one side's pledge onto the other)."""
    if a.actor.lower() == b.actor.lower() and words == other:
        return True
    if not (words and other and same_sentence):
        return False
    return len(words & other) / len(words | other) >= 0.5


def _agenda_problems(answer: Any, doc: Numbered) -> Iterator[Problem]:
    kept: list[tuple[set[str], str]] = []
    everywhere = list(range(1, len(doc) + 1))
    said = {w[:PREFIX] for w in content_words(doc.text)}
    for a in answer.agenda:
        words = content_words(a.topic)
        if words and not {w[:PREFIX] for w in words} & said:
            # Not one of its words is in the document: copied from the worked example, most often.
            yield Problem(
                f'agenda item "{_label(a.topic)}" is not in the document: left out',
                _drop(answer.agenda, a),
                True,
            )
            continue
        cited = doc.valid(a.evidence)
        where = doc.best(a.topic, cited, TOPIC_MATCH) or doc.best(a.topic, everywhere, TOPIC_MATCH)
        if where is not None and [where] != cited[:1]:
            yield Problem(
                f'agenda item "{_label(a.topic)}" is in sentence {where}: cited it',
                _set(a, "evidence", [where]),
                True,
            )
        if len(a.topic.split()) > MAX_TOPIC_WORDS:
            yield Problem(
                f'agenda topic "{_label(a.topic)}" is too long: use a label of one to four words', minor=True
            )
        twin = next((topic for other, topic in kept if words and (words <= other or other <= words)), None)
        if twin is not None:
            yield Problem(
                f'agenda item "{_label(a.topic)}" restates "{_label(twin)}": left out',
                _drop(answer.agenda, a),
                True,
            )
        else:
            kept.append((words, a.topic))
    yield from _listed_beside(answer, doc)


def _listed_beside(answer: Any, doc: Numbered) -> Iterator[Problem]:
    """Topics listed in the same enumeration as two of the answer's ("covered trade, energy,
    security and climate change"), which a small model often copies only in part."""
    from summarizer.schemas.passes import Topic

    have = [content_words(a.topic) for a in answer.agenda]
    for n in range(1, len(doc) + 1):
        for listed in enumerations(doc.sentence(n).text):
            words = [content_words(t) for t in listed]
            if sum(any(w and w & h for h in have) for w in words) < 2:
                continue
            for topic, w in zip(listed, words, strict=True):
                if w and not any(w & h for h in have) and len(answer.agenda) < MAX_AGENDA:
                    have.append(w)
                    added = Topic(topic=topic, evidence=[n])
                    yield Problem(
                        f'agenda item "{_label(topic)}" is listed beside others in sentence {n}: added',
                        _append(answer.agenda, added),
                        True,
                    )


_SEPARATOR = re.compile(r"(,\s*(?:and|or)\s+|\s+(?:and|or)\s+|,\s*)")
_LEAD_IN = re.compile(r"^(?:(?:including|such as|notably|namely|like|on|about|the)\s+)+", re.IGNORECASE)


def enumerations(sentence: str) -> list[list[str]]:
    """The lists of three or more short items in ``sentence`` that end in "and" or "or"."""
    found = []
    for clause in re.split(r"[;:()\u2013\u2014]|\s-\s", sentence):
        pieces = _SEPARATOR.split(clause)
        run: list[str] = []
        for i in range(0, len(pieces), 2):
            item = _LEAD_IN.sub("", pieces[i].strip(" .,\"'“”"))
            last = i > 0 and re.search(r"\b(?:and|or)\b", pieces[i - 1]) is not None
            if not item or len(item.split()) > MAX_LISTED_WORDS:
                run = []
                continue
            run.append(item)
            if last:
                if len(run) >= 3:
                    # The first item may carry the words that lead into the list: "talks on trade".
                    longest = max(len(x.split()) for x in run[1:])
                    run[0] = " ".join(run[0].split()[-longest:])
                    found.append(run)
                run = []
    return found


# --- fixes ---------------------------------------------------------------------------------


def _written_as(name: str, doc: Numbered) -> tuple[str, list[int]] | None:
    """How the document writes a country or body that ``name`` gives in another form ("U. S."
    as "United States", "India" as "Indian", "Palestinians" as "Palestinian"), and the sentences
    that write it so; None if it does not."""
    canonical = canonical_affiliation(name)
    acronyms = [a for a in spellings(canonical)[1:] if len(re.sub(r"\W", "", a)) <= 3]
    for spelling in dict.fromkeys([name.strip(), name.strip().removesuffix("s"), canonical, *acronyms]):
        found = mentions([spelling], doc.text)
        if not found:
            continue
        end = found[0] + len(spelling)
        while end < len(doc.text) and doc.text[end].isalnum():  # the whole word: "Indian"
            end += 1
        written = doc.text[found[0] : end]
        if naming := doc.naming(written):
            return written, naming
    return None


def _rename(items: list[Any], p: Person | Party, name: str, numbers: list[int]) -> Callable[[], None]:
    """``p`` named ``name`` and citing ``numbers``; left out if another item has that name."""

    def fix() -> None:
        if any(x is not p and x.name == name for x in items):
            _drop(items, p)()
        else:
            p.name, p.evidence = name, list(numbers)

    return fix


def _drop(items: list[Any], item: Any) -> Callable[[], None]:
    def fix() -> None:
        if any(x is item for x in items):
            items[:] = [x for x in items if x is not item]

    return fix


def _to_parties(
    p: Person | Party, people: list[Any], parties: list[Party], written: tuple[str, list[int]] | None
) -> Callable[[], None]:
    """``p``, a country, moved from ``people`` to ``parties`` (under the name and sentences
    ``written``, if given), unless a person listed represents it or it is listed there already.
    Listed already by another name ("Kremlin" for "Russia"), it takes that party's place."""

    def fix() -> None:
        from summarizer.schemas.passes import Party

        if not any(x is p for x in people):
            return
        _drop(people, p)()
        name, evidence = (written[0], written[1][:3]) if written else (p.name, p.evidence)
        key = normalize_affiliation(name).lower()
        if any(normalize_affiliation(x.side).lower() == key for x in people):
            return
        same = [b for b in parties if normalize_affiliation(b.name).lower() == key]
        if same and (
            canonical_affiliation(name) != name or any(canonical_affiliation(b.name) == b.name for b in same)
        ):
            return
        party = Party(name=name, evidence=evidence)
        if same:
            parties[parties.index(same[0])] = party
            for b in same[1:]:
                _drop(parties, b)()
        else:
            parties.append(party)

    return fix


def _append(items: list[Any], item: Any) -> Callable[[], None]:
    def fix() -> None:
        if item not in items:
            items.append(item)

    return fix


def _set(item: Any, name: str, value: Any) -> Callable[[], None]:
    def fix() -> None:
        setattr(item, name, value)

    return fix


def _cite(p: Person | Party, numbers: list[int]) -> Callable[[], None]:
    return _set(p, "evidence", list(numbers))


def _strip_title(p: Person | Party, titled: str) -> Callable[[], None]:
    def fix() -> None:
        name = _name_left(p.name, titled)
        if name:
            p.name = name
            # "Mr. Kohler" becomes "Kohler": a form of address is not a title.
            p.title = p.title or ("" if HONORIFIC.fullmatch(titled) else titled)

    return fix


def _merge(people: list[Any], keep: Any, drop: Any) -> Callable[[], None]:
    def fix() -> None:
        if not any(p is drop for p in people):
            return
        if len(drop.name) > len(keep.name):
            keep.name = drop.name
        keep.evidence = list(dict.fromkeys([*keep.evidence, *drop.evidence]))[:3]
        keep.title = keep.title or drop.title
        keep.side = keep.side or drop.side
        people[:] = [p for p in people if p is not drop]

    return fix


# --- helpers -------------------------------------------------------------------------------


def _is_country(name: str) -> bool:
    """Whether ``name`` is one of :data:`AFFILIATIONS`, in any of its spellings ("U.S.", "French")."""
    return canonical_affiliation(name) in AFFILIATIONS


def _is_placeholder(text: str) -> bool:
    """Words a model writes for "not stated"; the schema wants "" (or null) instead."""
    return text.strip().lower().strip(".") in _PLACEHOLDERS


def canonical_affiliation(text: str) -> str:
    """ "U.S." and "Washington" become "United States"; an unknown affiliation is kept as written."""
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    key = key.removeprefix("the ")
    return _ALIAS.get(key, text.strip())


def party_name(actor: str, sides: list[str]) -> str:
    """A commitment's actor as the brief names the party: "US" and "Washington" become "United
    States", and "both sides" the two sides of the people listed, when there are two."""
    if _BOTH_SIDES.match(actor.strip().lower()):
        return " and ".join(sides) if len(sides) == 2 else actor
    parts = [p for p in re.split(r"\s*(?:,|\band\b|&)\s*", actor.strip()) if p]
    named = [canonical_affiliation(p) for p in parts]
    return " and ".join(named) if named != parts else actor


def hedge_words(text: str) -> list[str]:
    """The firmness cues of ``text``, in the order they occur."""
    return [m.group(0).lower() for m in CUES.finditer(text)]


def firmness_of(cues: list[str]) -> set[str]:
    """The firmness classes ``cues`` allow."""
    return {level for level, words in FIRMNESS_CUES.items() if any(c in words for c in cues)}


def weakest(cues: list[str]) -> str | None:
    """The firmness ``cues`` give: the weakest class they allow ("may commit" is possible)."""
    allowed = firmness_of(cues)
    return next((level for level in FIRMNESS_CUES if level in allowed), None)


def is_reference_code(name: str) -> bool:
    """A file or document number such as "US/MC/34" or "5412", not a name ("G7" and "G-20" are names)."""
    text = name.strip()
    if any(ch.islower() for ch in text):
        return False
    return ("/" in text and any(ch.isdigit() for ch in text)) or not any(ch.isalpha() for ch in text)


def not_a_name(name: str) -> bool:
    """Words the model gave as a person's name that name no one: the tail of a title ("of
    Poland", from "Deputy Prime Minister of Poland")."""
    words = name.split()
    return not words or words[0] in _TAIL_WORDS


_TAIL_WORDS = frozenset("of and for in on at to".split())
"""Lower-case words that start no name ("the" may: "the Secretary")."""


def _leading_title(p: Named) -> str | None:
    words = p.name.split()
    if p.title and len(words) > 1 and re.search(rf"\b{re.escape(p.title.lower())}\b", p.name.lower()):
        return p.title if _name_left(p.name, p.title) else None
    # A shorter form of the title heads the name: "Under Secretary John Bass", title "Acting
    # Under Secretary of State".
    title_words = set(p.title.lower().split())
    lead_words = 0
    while lead_words < len(words) - 1 and words[lead_words].lower() in title_words:
        lead_words += 1
    if lead_words and words[lead_words - 1].lower() not in {"of", "for", "and", "the"}:
        return " ".join(words[:lead_words])
    folded = [re.sub(r"[^a-z]", "", w.lower()) for w in words]
    titled = TITLE_TOKENS | {"foreign", "defence", "defense", "state", "under", "affairs", "finance"}
    lead = 0
    while lead < len(words) and (
        folded[lead] in titled
        # "Secretary of State", "Prime Minister and Foreign Minister"
        or (folded[lead] in {"of", "and", "for"} and lead + 1 < len(words) and folded[lead + 1] in titled)
    ):
        lead += 1
    if lead == len(words) or not any(w in TITLE_TOKENS for w in folded[:lead]):
        return None
    return " ".join(words[:lead])


def _title_in_name(p: Named) -> str | None:
    """The title words at the head of a name, or the given title found in it; None when the
    name is nothing but the title ("top U.S. official", "Deputy Prime Minister of Poland",
    "French Foreign Minister"), as for a person the document never names."""
    titled = _leading_title(p)
    if titled is None:
        return None
    left = _name_left(p.name, titled)
    return None if not_a_name(left) or _is_country(left) else titled


def _naming_in_parts(name: str, doc: Numbered) -> list[int]:
    """The sentences naming the last word of ``name``, when the document writes every word of it,
    if not together: "Hillary Clinton" for a text of "Hillary" and "Mrs. Clinton"."""
    words = name.split()
    if len(words) < 2 or not all(doc.naming(w) for w in words[:-1]):
        return []
    return doc.naming(words[-1])


def _without_title(name: str) -> str:
    tokens = name.split()
    while len(tokens) > 1 and re.sub(r"[^a-z]", "", tokens[0].lower()) in TITLE_TOKENS:
        tokens.pop(0)
    return " ".join(tokens)


def _name_left(name: str, title: str) -> str:
    """``name`` without ``title``: "" when nothing but the title and punctuation remains."""
    # Not \b: a title may end in a dot ("Mr.").
    stripped = re.sub(rf"(?<!\w){re.escape(title)}(?!\w)", " ", name, flags=re.IGNORECASE)
    left = " ".join(stripped.split()).strip(" ,")
    return left if any(ch.isalpha() for ch in left) else ""


def same_person(a: Named, b: Named) -> bool:
    """Whether two participants are one: the same name, or a person with the same surname and title."""
    if a.kind != b.kind:
        return False
    ta, tb = name_tokens(a.name), name_tokens(b.name)
    if ta == tb:
        return True
    if a.kind != "person":
        return False
    sa, sb = surname(ta), surname(tb)
    if sa is None or sa != sb:
        return False
    shorter, longer = sorted((ta, tb), key=len)
    same_title = bool(a.title) and a.title.lower() == b.title.lower()
    return same_title or all(t in longer for t in shorter)


def _named_in(part: str, parties: set[str], source: str) -> bool:
    key = part.strip().lower()
    if not key or _BOTH_SIDES.match(key):
        return True
    if mentions([part.strip()], source):
        return True
    canonical = canonical_affiliation(part)
    if mentions(spellings(canonical), source):
        return True
    return key in parties or canonical.lower() in parties

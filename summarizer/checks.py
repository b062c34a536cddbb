"""Checks of a brief against its source: the mistakes small models make, and how to fix them.

Each check yields a :class:`Problem`: a message that tells the model what to fix (instructor
sends it back as the re-ask) and, where the library can make the fix itself, a function that
does. While re-asks remain, any problem fails validation. On the last attempt the library
applies the fixes it can and keeps the rest visible: unaligned evidence stays marked
``grounded: false`` (or is dropped with ``strict_grounding``), and ``meta.repairs`` lists what
the library changed. It also puts back the items of earlier answers that a re-ask lost, when
they raise no new problem.

Some normalisations never cost a re-ask, because the model is not wrong, only inconsistent:
affiliations are written one way ("U.S." and "Washington" become "United States"), "unknown"
and the like become "" (the schema's "not stated"), and every commitment gets the ``hedge``
words found in its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.alignment import align
from summarizer.scoring import TITLE_TOKENS, content_words, name_tokens, surname

if TYPE_CHECKING:
    from summarizer.schemas.brief import Brief, Commitment, Participant

MAX_TOPIC_WORDS = 6
"""Longest agenda label accepted, in words."""

NEAREST_THRESHOLD = 60.0
"""Lowest fuzzy score at which a re-ask shows the passage nearest to an unfound quote."""

MAX_MESSAGES = 8
"""Problems named in one re-ask; more would drown the small model."""

COPY_MIN_WORDS = 3
"""Shortest evidence, in words, that counts as copied from the prompt's example when the
document lacks it (shorter phrases are common words, not copies)."""

REASK_HEADER = "Fix these problems and answer again, keeping every other item as it was:"
"""First line of a re-ask. Told only what to fix, a small model tends to drop the rest."""

FIRMNESS_CUES: dict[str, tuple[str, ...]] = {
    "possible": ("may", "might", "could", "explore", "exploring", "consider", "considering", "possibly"),
    "expected": (
        "expected to",
        "is set to",
        "are set to",
        "will likely",
        "likely to",
        "plans to",
        "plan to",
        "intends to",
        "intend to",
    ),
    "firm": (
        "agreed",
        "agree",
        "committed",
        "commit",
        "pledged",
        "pledge",
        "reaffirmed",
        "signed",
        "vowed",
        "promised",
    ),
}
"""Modal words of the evidence that fix a commitment's firmness, weakest class first."""

_CUES = re.compile(
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


def check_brief(brief: Brief, context: dict[str, Any] | None) -> Brief:
    """Validate ``brief`` against the source in ``context``; used by ``Brief``'s validator.

    ``context`` holds ``source`` (the document), and optionally ``instructions`` (the system
    prompt, whose worked example a small model may copy), ``is_last_attempt`` (a callable),
    ``repairs`` (a list that collects what the library fixed) and ``earlier`` (a list that
    collects the answers sent back for a re-ask, whose lost items the last attempt restores).
    Without a source, as when a saved brief is read back, nothing is checked.
    """
    if not context or not isinstance(context.get("source"), str):
        return brief
    source: str = context["source"]
    instructions: str = context.get("instructions") or ""
    repairs = context.get("repairs")
    earlier = context.get("earlier")
    normalize(brief)
    last = context.get("is_last_attempt")
    final = last is not None and last()
    if final and earlier:
        restored = restore_dropped(brief, earlier, source, instructions)
        if isinstance(repairs, list):
            repairs += restored
    problems = list(find_problems(brief, source, instructions))
    if not problems:
        return brief
    if not final and not all(p.minor for p in problems):
        if isinstance(earlier, list):
            earlier.append(brief.model_copy(deep=True))
        shown = problems[:MAX_MESSAGES]
        more = len(problems) - len(shown)
        lines = [f"- {p.message}" for p in shown] + ([f"- and {more} more"] if more > 0 else [])
        raise ValueError(REASK_HEADER + "\n" + "\n".join(lines))
    for problem in problems:
        if problem.fix is not None:
            problem.fix()
            if isinstance(repairs, list):
                repairs.append(problem.message)
    return brief


def restore_dropped(brief: Brief, earlier: list[Brief], source: str, instructions: str = "") -> list[str]:
    """Put back the items of ``earlier`` answers that a re-ask lost, when they add no problem.

    A re-ask asks the model to keep every other item as it was, but a small model often drops
    some anyway. An earlier item comes back only if adding it raises no new problem (other than
    a minor one): its evidence is in the document, and it is no duplicate of an item kept.
    Returns what was restored, for ``meta.repairs``.
    """
    fields = {"participants": "participant", "agenda_items": "agenda item", "commitments": "commitment"}
    restored: list[str] = []
    count = _serious_count(brief, source, instructions)
    for old in earlier:
        for field, what in fields.items():
            for item in getattr(old, field):
                trial = brief.model_copy(update={field: [*getattr(brief, field), item.model_copy()]})
                trial_count = _serious_count(trial, source, instructions)
                if trial_count > count:
                    continue
                setattr(brief, field, getattr(trial, field))
                count = trial_count
                label = getattr(item, "name", None) or getattr(item, "topic", None) or item.action
                restored.append(f'{what} "{_label(label)}" was dropped by a re-ask: restored')
    return restored


def _serious_count(brief: Brief, source: str, instructions: str) -> int:
    return sum(not p.minor for p in find_problems(brief, source, instructions))


def find_problems(brief: Brief, source: str, instructions: str = "") -> Iterator[Problem]:
    """Every problem of ``brief`` against ``source`` (and the ``instructions`` it was made with)."""
    yield from _evidence_problems(brief, source, instructions)
    yield from _participant_problems(brief, source)
    yield from _commitment_problems(brief, source)
    yield from _agenda_problems(brief)


def normalize(brief: Brief) -> None:
    """Fixes that need no re-ask: one spelling per affiliation, and each commitment's hedge words."""
    for p in brief.participants:
        p.title = "" if _is_placeholder(p.title) else p.title
        p.affiliation = "" if _is_placeholder(p.affiliation) else canonical_affiliation(p.affiliation)
        p.role = None if p.role is not None and _is_placeholder(p.role) else p.role
    for c in brief.commitments:
        cues = hedge_words(c.evidence)
        c.hedge = " ".join(cues) if cues else None


def _is_placeholder(text: str) -> bool:
    """Words a model writes for "not stated"; the schema wants "" (or null) instead."""
    return text.strip().lower().strip(".") in _PLACEHOLDERS


def canonical_affiliation(text: str) -> str:
    """ "U.S." and "Washington" become "United States"; an unknown affiliation is kept as written."""
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    key = key.removeprefix("the ")
    return _ALIAS.get(key, text.strip())


def hedge_words(text: str) -> list[str]:
    """The firmness cues of ``text``, in the order they occur."""
    return [m.group(0).lower() for m in _CUES.finditer(text)]


def firmness_of(cues: list[str]) -> set[str]:
    """The firmness classes ``cues`` allow."""
    return {level for level, words in FIRMNESS_CUES.items() if any(c in words for c in cues)}


# --- the checks ----------------------------------------------------------------------------


def _label(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _evidence_problems(brief: Brief, source: str, instructions: str) -> Iterator[Problem]:
    items: list[tuple[str, Any, str | None]] = [
        *((f'participant "{_label(p.name)}"', p, "participants") for p in brief.participants),
        *((f'agenda item "{_label(a.topic)}"', a, "agenda_items") for a in brief.agenda_items),
        *((f'commitment "{_label(c.action)}"', c, "commitments") for c in brief.commitments),
        ("tone", brief.tone, None),
    ]
    for what, item, field in items:
        if align(item.evidence, source) is not None:
            continue
        if len(item.evidence.split()) >= COPY_MIN_WORDS and align(
            item.evidence, instructions, threshold=100.0
        ):
            # Copied from the worked example: certainly not from this document, so never kept.
            yield Problem(
                f"{what} is copied from the example in the instructions, not taken from this document:"
                + (" leave it out" if field else " quote this document"),
                fix=_drop(brief, field, item) if field else None,
            )
        else:
            near = align(item.evidence, source, threshold=NEAREST_THRESHOLD)
            hint = (
                f'; the nearest passage is "{_label(_whole_words(source, near.start, near.end), 120)}"'
                if near
                else ""
            )
            yield Problem(
                f'the evidence of {what}, "{_label(item.evidence, 80)}", is not in the document:'
                f" copy the words exactly as written{hint}"
            )


def _whole_words(source: str, start: int, end: int) -> str:
    """``source[start:end]`` without a word cut in two at either end, or trailing punctuation."""
    if 0 < start < end and source[start - 1].isalnum() and source[start].isalnum():
        start = next((i + 1 for i in range(start, end) if not source[i].isalnum()), start)
    if start < end < len(source) and source[end - 1].isalnum() and source[end].isalnum():
        end = next((i for i in range(end - 1, start, -1) if not source[i].isalnum()), end)
    return source[start:end].strip(" ,;:")


def _participant_problems(brief: Brief, source: str) -> Iterator[Problem]:
    people = brief.participants
    for p in people:
        if is_reference_code(p.name):
            yield Problem(
                f'participant "{p.name}" is a reference code, not a person or body: leave it out',
                fix=_drop(brief, "participants", p),
            )
            continue
        if p.title and align(p.title, source) is None:
            yield Problem(
                f'participant "{p.name}": the title "{_label(p.title)}" is not in the document;'
                ' leave "title" empty when the document gives none',
                fix=_clear_title(p),
                minor=True,
            )
        if p.kind != "person":
            continue
        titled = _title_in_name(p)
        if titled:
            # The library strips the title itself: a re-ask for it alone costs a second answer,
            # in which the small model tends to drop other items.
            yield Problem(
                f'participant "{p.name}": the name contains the title "{titled}";'
                f' put it in "title" and write only the name',
                fix=_strip_title(p, titled),
                minor=True,
            )
        if align(p.name, source) is None and align(_without_title(p.name), source) is None:
            yield Problem(
                f'participant "{p.name}" is not named in the document: write the name as written there'
            )
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if same_person(a, b):
                yield Problem(
                    f'participants "{a.name}" and "{b.name}" are the same person: list them once',
                    fix=_merge(brief, a, b),
                )
                break


def is_reference_code(name: str) -> bool:
    """A file or document number such as "US/MC/34" or "5412", not a name ("G7" and "G-20" are names)."""
    text = name.strip()
    if any(ch.islower() for ch in text):
        return False
    return ("/" in text and any(ch.isdigit() for ch in text)) or not any(ch.isalpha() for ch in text)


def _clear_title(p: Participant) -> Callable[[], None]:
    def fix() -> None:
        p.title = ""

    return fix


def _title_in_name(p: Participant) -> str | None:
    """The title words at the head of a name, or the given title found in it; None when the
    name is nothing but the title ("top U.S. official"), as for a person the document never names."""
    words = p.name.split()
    if p.title and len(words) > 1 and re.search(rf"\b{re.escape(p.title.lower())}\b", p.name.lower()):
        return p.title if _name_left(p.name, p.title) else None
    folded = [re.sub(r"[^a-z]", "", w.lower()) for w in words]
    lead = 0
    while lead < len(words) and folded[lead] in TITLE_TOKENS | {"foreign", "defence", "defense", "state"}:
        lead += 1
    if lead == len(words) or not any(w in TITLE_TOKENS for w in folded[:lead]):
        return None
    return " ".join(words[:lead])


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


def _strip_title(p: Participant, titled: str) -> Callable[[], None]:
    def fix() -> None:
        name = _name_left(p.name, titled)
        if name:
            p.name = name
            p.title = p.title or titled

    return fix


def same_person(a: Participant, b: Participant) -> bool:
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


def _merge(brief: Brief, keep: Participant, drop: Participant) -> Callable[[], None]:
    def fix() -> None:
        if drop not in brief.participants:
            return
        if len(drop.name) > len(keep.name):
            keep.name, keep.evidence = drop.name, drop.evidence
        keep.title = keep.title or drop.title
        keep.affiliation = keep.affiliation or drop.affiliation
        keep.role = keep.role or drop.role
        brief.participants = [p for p in brief.participants if p is not drop]

    return fix


def _named_in(part: str, brief: Brief, source: str) -> bool:
    key = part.strip().lower()
    if not key or _BOTH_SIDES.match(key):
        return True
    if align(part, source) is not None:
        return True
    canonical = canonical_affiliation(part)
    spellings = [canonical, *AFFILIATIONS.get(canonical, ())]
    if any(re.search(rf"\b{re.escape(s)}\b", source, re.IGNORECASE) for s in spellings):
        return True
    parties = {p.affiliation.lower() for p in brief.participants} | {
        p.name.lower() for p in brief.participants
    }
    return key in parties or canonical.lower() in parties


def _commitment_problems(brief: Brief, source: str) -> Iterator[Problem]:
    seen: dict[tuple[str, frozenset[str]], Commitment] = {}
    quoted: dict[tuple[str, frozenset[str]], Commitment] = {}
    for c in brief.commitments:
        parts = [p for p in re.split(r",|\band\b|&", c.actor) if p.strip()]
        missing = [p.strip() for p in parts if not _named_in(p, brief, source)]
        if missing:
            yield Problem(
                f'commitment "{_label(c.action)}": the actor "{c.actor}" is not a party named in the'
                ' document; name the country, organisation or person as the document does, or "both sides"'
            )
        cues = hedge_words(c.evidence)
        allowed = firmness_of(cues)
        if allowed and c.firmness not in allowed:
            level = next(lv for lv in FIRMNESS_CUES if lv in allowed)
            yield Problem(
                f'commitment "{_label(c.action)}": the evidence says "{" ".join(cues)}",'
                f' so its firmness is "{level}", not "{c.firmness}"',
                fix=_set_firmness(c, level),
            )
        action = frozenset(content_words(c.action))
        key = (c.actor.lower().strip(), action)
        same_quote = (" ".join(c.evidence.lower().split()), action)
        if key in seen:
            yield Problem(
                f'commitment "{_label(c.action)}" of {c.actor} is listed twice: list it once',
                fix=_drop(brief, "commitments", c),
            )
        elif same_quote in quoted:
            first = quoted[same_quote]
            yield Problem(
                f'commitment "{_label(c.action)}" is listed for both {first.actor} and {c.actor} with the'
                " same evidence: list it once, with the actor the evidence names",
                fix=_drop(brief, "commitments", c),
            )
        else:
            seen[key] = c
            quoted[same_quote] = c


def _set_firmness(c: Commitment, level: str) -> Callable[[], None]:
    def fix() -> None:
        c.firmness = level  # type: ignore[assignment]  # one of the Literal's values

    return fix


def _drop(brief: Brief, field: str, item: Any) -> Callable[[], None]:
    def fix() -> None:
        setattr(brief, field, [x for x in getattr(brief, field) if x is not item])

    return fix


def _agenda_problems(brief: Brief) -> Iterator[Problem]:
    kept: list[tuple[set[str], str]] = []
    for a in brief.agenda_items:
        if len(a.topic.split()) > MAX_TOPIC_WORDS:
            yield Problem(
                f'agenda topic "{_label(a.topic)}" is too long: use a label of one to four words', minor=True
            )
        words = content_words(a.topic)
        twin = next((topic for other, topic in kept if words and (words <= other or other <= words)), None)
        if twin is not None:
            yield Problem(
                f'agenda item "{_label(a.topic)}" restates "{_label(twin)}": list each subject once',
                fix=_drop(brief, "agenda_items", a),
            )
        else:
            kept.append((words, a.topic))

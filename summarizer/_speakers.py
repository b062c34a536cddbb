"""The speakers of a transcript, read from its speaker labels.

In a record of one turn a line ("Lynne Neagle AM: Good afternoon, everyone."), everyone who
speaks took part, and the label says who they are: the library lists them, so the model is not
asked (a small model lists a dozen at most, and adds people who are only mentioned). A label
gives the name, a title ("AM", "Minister of Finance", "Chair") and a party abbreviation from a
"(Riding, Party)" parenthesis. A chair's label names them once ("The Chair (Hon. Anthony
Rota)"); their bare turns ("The Chair: ...") are theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MIN_TURNS = 3
"""A document is a transcript when at least this many lines, and half of its lines, are turns,
and someone takes the floor twice."""

MAX_LABEL_WORDS = 8
"""Words of a speaker label outside its parentheses: a longer "...:" opens a sentence."""

LABEL = re.compile(r"(?m)^[ \t]*(?P<label>[A-Z][^\n:]{0,200}?)[ \t]*:[ \t]+\S")
"""A line that opens with a label and a colon, then speech."""

_HONORIFIC = re.compile(
    r"^(?:The\s+Honourable|The\s+Hon\.?|Right\s+Hon\.?|Rt\.?\s+Hon\.?|Hon\.?|Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?"
    r"|Dr\.?|Professor|Prof\.?|Sir|Dame)\s+"
)
_MEMBER = re.compile(r"\s+(?P<member>AM|MS|MP|MSP|MLA|MEP|TD)$")
_CHAIR = re.compile(r"^(?:The\s+)?(?P<title>(?:Acting\s+|Deputy\s+|Vice[- ])?Chair(?:man|woman|person)?)\b")
_PARTY = re.compile(r"[A-Z][A-Za-z.]{0,5}")
_FIELDS = frozenset(
    """question answer from to cc bcc subject date re sent note notes nb source sources update
    updated summary location venue place time present attendees attending participants apologies
    absent agenda item items action actions decision decisions resolved outcome outcomes minutes
    title topic tags category photo caption credit reporting editing contact tel phone email fax
    address web website background context purpose status result results attachment attachments
    enclosure correction disclaimer""".split()
) | {"action items", "action points", "next steps", "editor's note", "editor’s note", "any other business"}
"""Labels of a form's fields, not of speakers: an e-mail's "From:", minutes' "Present:" and
"Action:", a sheet's "Question:" and "Answer:"."""
_NUMBERING = re.compile(r"[\s\d.#()-]+$")


@dataclass(frozen=True)
class Speaker:
    """Who a speaker label names: a name as written, a title, and a side (a party), or ""."""

    name: str
    title: str = ""
    side: str = ""

    @property
    def chairs(self) -> bool:
        return "chair" in self.title.lower()


def labels(text: str) -> dict[str, Speaker]:
    """Each speaker label of ``text`` and who it names; empty if ``text`` is not a transcript."""
    return dict(_labels(text))


@lru_cache(maxsize=4)
def _labels(text: str) -> tuple[tuple[str, Speaker], ...]:
    lines = [line for line in text.splitlines() if line.strip()]
    found = [m.group("label") for m in LABEL.finditer(text) if _is_label(m.group("label"))]
    if len(found) < MIN_TURNS or len(found) * 2 < len(lines):
        return ()
    read = {label: read_label(label) for label in dict.fromkeys(found)}
    # Two speakers, and someone takes the floor twice: labels each used once are a form's or a
    # list's ("Budget: approved. / Staffing: deferred.").
    if not 2 <= len({read[label].name for label in found}) < len(found):
        return ()
    # One speaker under several labels: each label gives what it gives ("Hon. Ed Fast (Abbotsford,
    # CPC)", then "Hon. Ed Fast").
    merged: dict[str, Speaker] = {}
    for s in read.values():
        had = merged.get(s.name, s)
        merged[s.name] = Speaker(s.name, had.title or s.title, had.side or s.side)
    chairs = {s.title: s for s in merged.values() if s.chairs and s.name != s.title}
    # A bare "The Chair" is the chair the transcript names, if it names one.
    bare = {s.name: chairs[s.title] for s in merged.values() if s.name == s.title and s.title in chairs}
    return tuple((label, bare.get(s.name) or merged[s.name]) for label, s in read.items())


def _is_label(label: str) -> bool:
    outside = re.sub(r"\([^()]*(?:\([^()]*\)[^()]*)*\)", " ", label)
    words = outside.split()
    # "Q:" and "A:" in an interview are not who speaks, nor a form's "From:" or "Item 3:".
    letters = sum(c.isalpha() for c in outside)
    return (
        0 < len(words) <= MAX_LABEL_WORDS
        and letters >= 2
        and _NUMBERING.sub("", outside).strip().lower() not in _FIELDS
        and not re.search(r"[.!?]\s+[a-z]|[;\"“”]", outside)
    )


def read_label(label: str) -> Speaker:
    """Who ``label`` names: "Mr. Jagmeet Singh (Burnaby South, NDP)" is Jagmeet Singh, NDP;
    "The Chair (Hon. Anthony Rota (Nipissing, Lib.))" is Anthony Rota, Chair, Lib."""
    label = " ".join(label.split())
    base, inside = _outer_parenthesis(label)
    chair = _CHAIR.match(base)
    if chair and inside:
        named = read_label(inside)
        return Speaker(named.name, chair.group("title"), named.side)
    if chair:
        return Speaker(chair.group("title"), chair.group("title"))
    title, side = "", ""
    if inside:
        head, _, last = inside.rpartition(",")
        if head and _PARTY.fullmatch(last.strip()):
            side = last.strip()
        else:
            title = inside
    name = base
    while (honorific := _HONORIFIC.match(name)) and honorific.end() < len(name):
        if honorific.group().strip().rstrip(".") in ("Professor", "Prof") and not title:
            title = "Professor"
        name = name[honorific.end() :]
    if member := _MEMBER.search(name):
        title = title or member.group("member")
        name = name[: member.start()]
    return Speaker(name.strip(), title, side)


def _outer_parenthesis(label: str) -> tuple[str, str]:
    """``label`` before its closing parenthesis, and what that parenthesis holds ("" if none)."""
    if not label.endswith(")"):
        return label, ""
    depth = 0
    for i in range(len(label) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(label[i], 0)
        if depth == 0:
            return label[:i].strip(), label[i + 1 : -1].strip()
    return label, ""

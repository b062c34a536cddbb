"""Scoring briefs against gold annotations, exactly as the evaluation set's README specifies.

Pure functions: read a prediction liberally, match one-to-one (names and content words
normalised by :mod:`summarizer._text`, as the runtime's checks do), count, and aggregate
micro-averaged scores per source and overall.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from summarizer._text import content_words, name_tokens, surname

LIST_FIELDS = ("participants", "commitments", "agenda")

TONE_SYNONYMS = {
    "cooperative": """cooperative co-operative collaborative constructive friendly positive
        conciliatory supportive amicable cordial harmonious consensual agreeable""",
    "neutral": """neutral informational informative factual matter-of-fact formal procedural
        balanced objective""",
    "conflictual": """conflictual conflict confrontational hostile adversarial negative tense
        contentious combative antagonistic aggressive threatening critical heated""",
}

_PARTICIPANT_KEYS = ("participants", "people", "attendees", "actors")
_PARTICIPANT_NAME_KEYS = ("name", "full_name", "entity", "participant")
_AGENDA_KEYS = ("agenda_items", "agenda", "topics")
_AGENDA_TEXT_KEYS = ("topic", "title", "item", "text", "description", "name", "summary")
_COMMITMENT_KEYS = ("commitments", "action_items", "promises")
_ACTOR_KEYS = ("actor", "owner", "who", "party", "by", "assignee", "name")
_ACTION_KEYS = ("action", "commitment", "text", "description", "what", "task", "item", "summary")
_TONE_KEYS = ("tone", "sentiment")
_TONE_LABEL_KEYS = ("label", "overall", "value", "tone", "name")
_BRIEF_KEYS = ("brief", "output", "prediction", "summary", "result")


# --- reading predictions -------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """The scored parts of one brief."""

    participants: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    commitments: list[tuple[str, str]] = field(default_factory=list)  # (actor, action)
    tone: str | None = None


def brief_of_line(line: Mapping[str, Any]) -> Any:
    """The brief inside one predictions line, found as the spec says."""
    brief: Any = None
    for key in _BRIEF_KEYS:
        if key in line:
            brief = line[key]
            break
    else:
        brief = {k: v for k, v in line.items() if k != "id"}
    if isinstance(brief, str):
        try:
            brief = json.loads(brief)
        except ValueError:
            brief = {}
    return brief if isinstance(brief, dict) else {}


def _first(obj: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if key in obj and obj[key] is not None:
            return obj[key]
    return None


def _text(item: Any, keys: Iterable[str]) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        value = _first(item, keys)
        return value if isinstance(value, str) else ""
    return ""


def read_prediction(brief: Mapping[str, Any]) -> Prediction:
    """Read a brief liberally: alternative keys, strings or objects."""
    participants = [_text(p, _PARTICIPANT_NAME_KEYS) for p in _first(brief, _PARTICIPANT_KEYS) or []]
    agenda = [_text(a, _AGENDA_TEXT_KEYS) for a in _first(brief, _AGENDA_KEYS) or []]
    commitments = []
    for c in _first(brief, _COMMITMENT_KEYS) or []:
        if isinstance(c, str):
            commitments.append(("", c))
        elif isinstance(c, dict):
            commitments.append((_text(c, _ACTOR_KEYS), _text(c, _ACTION_KEYS)))
    tone_value = _first(brief, _TONE_KEYS)
    tone = _text(tone_value, _TONE_LABEL_KEYS) or None
    return Prediction(participants=participants, agenda=agenda, commitments=commitments, tone=tone)


# --- names ---------------------------------------------------------------------------------


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def match_strength(pred: list[str], gold: list[str], other_gold_surnames: Iterable[str | None]) -> int:
    """3 equal, 2 body containment, 1 unique surname, 0 no match."""
    if not pred or not gold:
        return 0
    if pred == gold:
        return 3
    shorter, longer = (pred, gold) if len(pred) <= len(gold) else (gold, pred)
    if len(shorter) >= 2 and _contains(longer, shorter):
        return 2
    others = set(other_gold_surnames)
    gold_surname, pred_surname = surname(gold), surname(pred)
    if gold_surname is not None and gold_surname in pred:
        token: str | None = gold_surname
    elif pred_surname is not None and pred_surname in gold:
        token = pred_surname
    else:
        token = None
    return 1 if token is not None and token not in others else 0


def greedy(pairs: list[tuple[tuple[Any, ...], int, int]]) -> list[tuple[int, int]]:
    """Accept (pred, gold) pairs in key order while neither side is taken."""
    taken_pred: set[int] = set()
    taken_gold: set[int] = set()
    accepted = []
    for _, p, g in sorted(pairs, key=lambda x: (x[0], x[1], x[2])):
        if p not in taken_pred and g not in taken_gold:
            taken_pred.add(p)
            taken_gold.add(g)
            accepted.append((p, g))
    return accepted


# --- per-case counts -----------------------------------------------------------------------


@dataclass
class Count:
    """Counts behind precision and recall for one field."""

    gold: int = 0
    pred: int = 0
    matched_gold: int = 0
    matched_pred: int = 0

    def __iadd__(self, other: Count) -> Count:
        self.gold += other.gold
        self.pred += other.pred
        self.matched_gold += other.matched_gold
        self.matched_pred += other.matched_pred
        return self


@dataclass
class CaseScore:
    """What one case contributes: counts per list field, with its scoring mode, and tone."""

    id: str
    source: str
    fields: dict[str, tuple[str, Count]] = field(default_factory=dict)
    tone: tuple[str, str | None] | None = None  # (gold, predicted class)
    matches: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


def score_participants(pred: list[str], gold: list[str]) -> tuple[Count, list[tuple[int, int]]]:
    gold_tokens = [name_tokens(g) for g in gold]
    gold_surnames = [surname(t) for t in gold_tokens]
    pairs = []
    for p, name in enumerate(pred):
        tokens = name_tokens(name)
        for g, gt in enumerate(gold_tokens):
            strength = match_strength(tokens, gt, gold_surnames[:g] + gold_surnames[g + 1 :])
            if strength:
                pairs.append(((-strength,), p, g))
    accepted = greedy(pairs)
    return Count(len(gold), len(pred), len(accepted), len(accepted)), accepted


def score_commitments(
    pred: list[tuple[str, str]], gold: list[dict[str, Any]], gold_participants: list[dict[str, Any]]
) -> tuple[Count, list[tuple[int, int]]]:
    actors = [name_tokens(str(g.get("actor") or "")) for g in gold]
    actor_surnames = [surname(a) for a in actors]
    aliases: list[list[list[str]]] = []
    for g, actor in enumerate(actors):
        others = actor_surnames[:g] + actor_surnames[g + 1 :]
        names = [actor]
        for person in gold_participants:
            tokens = name_tokens(str(person.get("name") or ""))
            if match_strength(tokens, actor, others):
                names.append(tokens)
                if person.get("affiliation"):
                    names.append(name_tokens(str(person["affiliation"])))
        aliases.append(names)
    gold_words = [content_words(str(g.get("action") or "")) for g in gold]
    pairs = []
    for p, (pred_actor, pred_action) in enumerate(pred):
        tokens, words = name_tokens(pred_actor), content_words(pred_action)
        for g in range(len(gold)):
            others = actor_surnames[:g] + actor_surnames[g + 1 :]
            strength = max(match_strength(tokens, alias, others) for alias in aliases[g])
            shared = len(words & gold_words[g])
            if strength and shared:
                pairs.append(((-shared, -strength), p, g))
    accepted = greedy(pairs)
    return Count(len(gold), len(pred), len(accepted), len(accepted)), accepted


def score_agenda(pred: list[str], gold: list[str]) -> tuple[Count, list[tuple[int, int]]]:
    pred_words = [content_words(p) for p in pred]
    covered: list[tuple[int, int]] = []
    for g, topic in enumerate(gold):
        words = content_words(topic)
        if not words:
            continue
        for p, pw in enumerate(pred_words):
            shared = len(words & pw)
            if shared >= 1 and (2 * shared >= len(words) or shared >= 2):
                covered.append((p, g))
    gold_hit = {g for _, g in covered}
    pred_hit = {p for p, _ in covered}
    return Count(len(gold), len(pred), len(gold_hit), len(pred_hit)), covered


def _tone_key(label: str) -> str:
    return re.sub(r"[\s_-]+", " ", label.strip().lower())


def tone_class(label: str | None, tone_map: Mapping[str, str]) -> str | None:
    """Map a tone label onto cooperative / neutral / conflictual, or None if unmapped."""
    if not label:
        return None
    key = _tone_key(label)
    mapped = {_tone_key(k): v for k, v in tone_map.items()}
    if key in mapped:
        return mapped[key]
    for cls, words in TONE_SYNONYMS.items():
        if key in {_tone_key(w) for w in words.split()}:
            return cls
    return None


def score_case(case: Mapping[str, Any], brief: Mapping[str, Any], tone_map: Mapping[str, str]) -> CaseScore:
    """Score one case's brief against its gold."""
    gold = case.get("gold", {})
    modes = case.get("scoring", {})
    pred = read_prediction(brief)
    result = CaseScore(id=case["id"], source=case["id"].split("-", 1)[0])
    if "participants" in gold:
        names = [str(p.get("name") or "") for p in gold["participants"]]
        count, matches = score_participants(pred.participants, names)
        result.fields["participants"] = (modes.get("participants", "recall"), count)
        result.matches["participants"] = matches
    if "commitments" in gold:
        count, matches = score_commitments(
            pred.commitments, gold["commitments"], gold.get("participants", [])
        )
        result.fields["commitments"] = (modes.get("commitments", "recall"), count)
        result.matches["commitments"] = matches
    if "agenda" in gold:
        count, matches = score_agenda(pred.agenda, gold["agenda"])
        result.fields["agenda"] = (modes.get("agenda", "recall"), count)
        result.matches["agenda"] = matches
    if gold.get("tone"):
        result.tone = (gold["tone"], tone_class(pred.tone, tone_map))
    return result


# --- aggregation ---------------------------------------------------------------------------


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _field_summary(rows: list[tuple[str, Count]]) -> dict[str, Any]:
    total, prf = Count(), Count()
    prf_cases = 0
    for mode, count in rows:
        total += count
        if mode == "prf":
            prf += count
            prf_cases += 1
    summary: dict[str, Any] = {
        "cases": len(rows),
        "gold": total.gold,
        "pred": total.pred,
        "matched_gold": total.matched_gold,
        "recall": _ratio(total.matched_gold, total.gold),
        "gold_per_case": total.gold / len(rows),
        "pred_per_case": total.pred / len(rows),
    }
    if prf_cases:
        p = _ratio(prf.matched_pred, prf.pred)
        r = _ratio(prf.matched_gold, prf.gold)
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else 0.0
        summary["prf"] = {
            "cases": prf_cases,
            "gold": prf.gold,
            "pred": prf.pred,
            "matched_gold": prf.matched_gold,
            "matched_pred": prf.matched_pred,
            "precision": p,
            "recall": r,
            "f1": f1,
        }
    return summary


def aggregate(scores: list[CaseScore]) -> dict[str, dict[str, Any]]:
    """Micro-averaged scores per source and for ALL."""
    groups: dict[str, list[CaseScore]] = {"ALL": scores}
    for s in scores:
        groups.setdefault(s.source, []).append(s)
    report: dict[str, dict[str, Any]] = {}
    for name, members in groups.items():
        group: dict[str, Any] = {"cases": len(members)}
        for field_name in LIST_FIELDS:
            rows = [s.fields[field_name] for s in members if field_name in s.fields]
            if rows:
                group[field_name] = _field_summary(rows)
        tones = [s.tone for s in members if s.tone is not None]
        if tones:
            correct = sum(1 for gold, pred in tones if pred == gold)
            group["tone"] = {"cases": len(tones), "correct": correct, "accuracy": correct / len(tones)}
        report[name] = group
    return report

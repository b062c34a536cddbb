"""A briefing note in Markdown, for people to read."""

from __future__ import annotations

from summarizer.schemas.brief import AgendaItem, Brief, Commitment, Tone
from summarizer.schemas.meta import Meta

FIRMNESS_HEADINGS = {"firm": "Firm", "expected": "Expected", "possible": "Possible"}


def to_markdown(brief: Brief) -> str:
    """Render a brief as a briefing note: headline, summary, participants, agenda, commitments, tone."""
    out: list[str] = [f"# {_inline(brief.headline)}", ""]
    context = [c for c in (brief.context.date, brief.context.place, brief.context.format) if c]
    if context:
        out += [f"*{' · '.join(_inline(c) for c in context)}*", ""]
    out += [_inline(brief.summary), ""]

    out += ["## Participants", ""]
    if brief.participants:
        out += ["| Name | Title | Affiliation | Role |", "| --- | --- | --- | --- |"]
        for p in brief.participants:
            cells = [p.name, p.title, p.affiliation, p.role]
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    else:
        out.append("None named.")
    out.append("")

    out += ["## Agenda", ""]
    for i, item in enumerate(brief.agenda_items, 1):
        said = f": {_inline(item.summary)}" if item.summary else ""
        out += [f"{i}. **{_inline(item.topic)}**{said}", f"   > {_evidence(item)}"]
    if not brief.agenda_items:
        out.append("No agenda items identified.")
    out.append("")

    out += ["## Commitments", ""]
    if not brief.commitments:
        out += ["None stated.", ""]
    for firmness, heading in FIRMNESS_HEADINGS.items():
        group = [c for c in brief.commitments if c.firmness == firmness]
        if group:
            out += [f"### {heading}", ""]
            out += [line for c in group for line in _commitment(c)]
            out.append("")

    tone = brief.tone
    why = f": {_inline(tone.rationale)}" if tone.rationale else ""
    out += ["## Tone", "", f"**{tone.label}**{why}", ""]
    out += [f"- {_inline(s.party)}: {_inline(s.stance)}" for s in tone.stances]
    if tone.stances:
        out.append("")
    out += [f"> {_evidence(tone)}", ""]

    if brief.meta is not None:
        m = brief.meta
        out += [
            "---",
            f"<sub>{m.provider}/{m.model} · prompt {m.prompt} ({m.prompt_sha256[:12]}) · schema"
            f" {m.schema_version} · {m.prompt_tokens}+{m.completion_tokens} tokens · {m.latency_s:.1f} s"
            f" · {m.retries} re-asks{_extras(m)}{_coverage(m.grounding)}</sub>",
            "",
        ]
    return "\n".join(out)


def _commitment(c: Commitment) -> list[str]:
    extra = "".join(
        [
            f" (for {_inline(c.beneficiary)})" if c.beneficiary else "",
            f", by {_inline(c.deadline)}" if c.deadline else "",
            f' ("{_inline(c.hedge)}")' if c.hedge else "",
        ]
    )
    return [f"- **{_inline(c.actor)}**: {_inline(c.action)}{extra}", f"  > {_evidence(c)}"]


def _inline(text: str | None) -> str:
    return " ".join((text or "").split())


def _cell(text: str | None) -> str:
    value = _inline(text).replace("|", "\\|")
    return value or "-"


def _evidence(item: AgendaItem | Commitment | Tone) -> str:
    """The quote, flagged when the library could not find it in the source."""
    flag = " *(not found in the source)*" if item.grounded is False else ""
    return f"“{_inline(item.evidence)}”{flag}"


def _coverage(grounding: float | None) -> str:
    return "" if grounding is None else f" · evidence found for {grounding:.0%} of items"


def _extras(m: Meta) -> str:
    parts = [
        f"{m.transient_retries} retries after provider faults" if m.transient_retries else "",
        f"{len(m.repairs)} fixed by the library" if m.repairs else "",
        f"{m.chunks} parts" if m.chunks > 1 else "",
        "from the cache" if m.cached else "",
        f"{m.dropped} items dropped, evidence not found" if m.dropped else "",
    ]
    return "".join(f" · {p}" for p in parts if p)

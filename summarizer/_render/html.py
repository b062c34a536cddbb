"""The HTML view of a brief, from the Jinja2 templates in ``templates/`` (autoescaped).

``brief.html`` is the page ``brief --format html`` writes and the service answers with
``format: html``; ``page.html`` is the service's page at ``/``, which shows that same view.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import jinja2

from summarizer._render.markdown import FIRMNESS_HEADINGS
from summarizer.schemas.brief import Brief, Span


@cache
def _templates() -> jinja2.Environment:
    """The templates, every value autoescaped; an undefined name is an error, never blank."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer._render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = lambda share: f"{share:.0%}"
    return env


def to_html(brief: Brief, source: str) -> str:
    """The page for ``brief`` of ``source``: the note beside the source, evidence highlighted."""
    spans: list[Span] = []

    def ev(span: Span | None) -> int | None:
        """The id that links a grounded item to its marks in the source; None if ungrounded."""
        if span is None:
            return None
        spans.append(span)
        return len(spans) - 1

    # In the note's order: the ids number the items as they appear.
    participants = [(p, ev(p.span)) for p in brief.participants]
    agenda = [(a, ev(a.span)) for a in brief.agenda_items]
    commitments = {
        heading: [(c, ev(c.span)) for c in brief.commitments if c.firmness == firmness]
        for firmness, heading in FIRMNESS_HEADINGS.items()
    }
    tone_ev = ev(brief.tone.span)
    context = " · ".join(c for c in (brief.context.date, brief.context.place, brief.context.format) if c)
    template = _templates().get_template("brief.html")
    return template.render(
        brief=brief,
        context=context,
        participants=participants,
        agenda=agenda,
        commitments=commitments,
        tone_ev=tone_ev,
        segments=_segments(source, spans),
    )


def service_page() -> str:
    """The service's page at ``/``."""
    return _templates().get_template("page.html").render()


def _segments(source: str, spans: list[Span]) -> list[tuple[str, str]]:
    """The source cut at every span's ends: each piece with the ids of the spans over it ("" if
    none), so that overlapping spans share pieces."""
    cuts = sorted({0, len(source), *(s.start for s in spans), *(s.end for s in spans)})
    return [
        (source[a:b], " ".join(str(i) for i, s in enumerate(spans) if s.start <= a and b <= s.end))
        for a, b in pairwise(cuts)
    ]

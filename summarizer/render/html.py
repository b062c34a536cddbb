"""One self-contained HTML page: the briefing note beside the source, evidence highlighted.

No network: the CSS and the script are inline. Clicking an item of the note scrolls the source
to the words it rests on and highlights them.
"""

from __future__ import annotations

from html import escape
from itertools import pairwise

from summarizer.render.markdown import FIRMNESS_HEADINGS
from summarizer.schemas.brief import Brief, Span

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d232a;background:#f6f7f9}
main{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:0;height:100vh}
#note,#source{overflow:auto;padding:24px 28px}
#note{background:#fff;border-right:1px solid #dde1e6}
h1{font-size:1.45em;margin:0 0 4px}
h2{font-size:1.05em;margin:22px 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#4a5562}
h3{font-size:.95em;margin:12px 0 6px}
.context{color:#5c6773;font-style:italic;margin:0 0 12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e9ed;vertical-align:top}
.item{cursor:pointer;border-radius:4px}
.item:hover,.item:focus{background:#fff6d6;outline:none}
.item.ungrounded{cursor:default}
.quote{display:block;color:#5c6773;font-size:.9em;margin:2px 0 0 2px}
.badge{font-size:.75em;padding:1px 6px;border-radius:8px;background:#fde2e1;color:#9b1c1c;margin-left:6px}
.tier{font-size:.72em;color:#7a8591;margin-left:4px}
ul{padding-left:18px}li{margin:6px 0}
#source .text{white-space:pre-wrap;font:14px/1.6 ui-serif,Georgia,serif;background:#fff;padding:20px;
border:1px solid #dde1e6;border-radius:6px}
mark.ev{background:#ffe9a8;border-radius:2px;padding:0 1px}
mark.ev.active{background:#ffb347;box-shadow:0 0 0 2px #ff9800}
footer{margin-top:24px;color:#7a8591;font-size:.8em}
"""

_SCRIPT = """
document.querySelectorAll('[data-ev]').forEach(function (item) {
  function go() {
    var id = item.getAttribute('data-ev');
    document.querySelectorAll('mark.ev.active').forEach(function (m) { m.classList.remove('active'); });
    var marks = document.querySelectorAll('mark.ev[data-ids~="' + id + '"]');
    marks.forEach(function (m) { m.classList.add('active'); });
    if (marks.length) { marks[0].scrollIntoView({block: 'center'}); }
  }
  item.addEventListener('click', go);
  item.addEventListener('keydown', function (e) { if (e.key === 'Enter') { go(); } });
});
"""


def to_html(brief: Brief, source: str, *, title: str | None = None) -> str:
    """The page for ``brief`` of ``source``."""
    spans: list[tuple[int, Span]] = []

    def item_attrs(span: Span | None) -> str:
        if span is None:
            return ' class="item ungrounded"'
        spans.append((len(spans), span))
        return f' class="item" tabindex="0" data-ev="{len(spans) - 1}"'

    def quote(evidence: str, span: Span | None, grounded: bool | None) -> str:
        badge = '<span class="badge">not found in the source</span>' if grounded is False else ""
        tier = f'<span class="tier">{span.tier}</span>' if span is not None and span.tier != "exact" else ""
        return f'<span class="quote">“{escape(evidence)}”{tier}{badge}</span>'

    note: list[str] = [f"<h1>{escape(brief.headline)}</h1>"]
    context = [c for c in (brief.context.date, brief.context.place, brief.context.format) if c]
    if context:
        note.append(f'<p class="context">{escape(" · ".join(context))}</p>')
    note.append(f"<p>{escape(brief.summary)}</p>")

    note.append("<h2>Participants</h2>")
    if brief.participants:
        note.append("<table><tr><th>Name</th><th>Title</th><th>Affiliation</th><th>Role</th></tr>")
        for p in brief.participants:
            cells = "".join(f"<td>{escape(c or '-')}</td>" for c in (p.name, p.title, p.affiliation, p.role))
            note.append(f"<tr{item_attrs(p.span)}>{cells}</tr>")
        note.append("</table>")
    else:
        note.append("<p>None named.</p>")

    note.append("<h2>Agenda</h2><ul>")
    for a in brief.agenda_items:
        note.append(
            f"<li{item_attrs(a.span)}><strong>{escape(a.topic)}</strong>"
            + (f": {escape(a.summary)}" if a.summary else "")
            + f"{quote(a.evidence, a.span, a.grounded)}</li>"
        )
    note.append("</ul>" if brief.agenda_items else "</ul><p>No agenda items identified.</p>")

    note.append("<h2>Commitments</h2>")
    if not brief.commitments:
        note.append("<p>None stated.</p>")
    for firmness, heading in FIRMNESS_HEADINGS.items():
        group = [c for c in brief.commitments if c.firmness == firmness]
        if group:
            note.append(f"<h3>{heading}</h3><ul>")
            for c in group:
                extra = f" (for {escape(c.beneficiary)})" if c.beneficiary else ""
                extra += f", by {escape(c.deadline)}" if c.deadline else ""
                head = f"<strong>{escape(c.actor)}</strong>: {escape(c.action)}{extra}"
                note.append(f"<li{item_attrs(c.span)}>{head}{quote(c.evidence, c.span, c.grounded)}</li>")
            note.append("</ul>")

    t = brief.tone
    note.append("<h2>Tone</h2>")
    note.append(
        f"<p{item_attrs(t.span)}><strong>{escape(t.label)}</strong>"
        + (f": {escape(t.rationale)}" if t.rationale else "")
        + f"{quote(t.evidence, t.span, t.grounded)}</p>"
    )
    if t.stances:
        note.append(
            "<ul>" + "".join(f"<li>{escape(s.party)}: {escape(s.stance)}</li>" for s in t.stances) + "</ul>"
        )
    if brief.meta is not None:
        m = brief.meta
        found = "" if m.grounding is None else f" · evidence found for {m.grounding:.0%} of items"
        note.append(
            f"<footer>{escape(m.provider)}/{escape(m.model)} · prompt {escape(m.prompt)}"
            f" ({m.prompt_sha256[:12]}) · schema {escape(m.schema_version)} · {m.prompt_tokens}+"
            f"{m.completion_tokens} tokens · {m.latency_s:.1f} s{found}</footer>"
        )

    page_title = escape(title or brief.headline)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{page_title}</title><style>{_CSS}</style></head><body><main>"
        f'<section id="note">{"".join(note)}</section>'
        f'<section id="source"><h2>Source</h2><div class="text">{_highlight(source, spans)}</div></section>'
        f"</main><script>{_SCRIPT}</script></body></html>\n"
    )


def _highlight(source: str, spans: list[tuple[int, Span]]) -> str:
    """The escaped source with every span wrapped in marks; overlapping spans share segments."""
    cuts = sorted({0, len(source), *(s.start for _, s in spans), *(s.end for _, s in spans)})
    out = []
    for a, b in pairwise(cuts):
        ids = [str(i) for i, s in spans if s.start <= a and b <= s.end]
        text = escape(source[a:b])
        out.append(f'<mark class="ev" data-ids="{" ".join(ids)}">{text}</mark>' if ids else text)
    return "".join(out)

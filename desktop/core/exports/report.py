"""The claims report as one self-contained HTML page (inline CSS, nothing fetched, no Qt).

The same HTML feeds the PDF report (desktop.ui.pdf_report): with `paged=True` it leaves out the
banners, which the PDF writer draws on every page itself, and breaks the page after the cover.
Likelihood and analytic confidence are never written in the same sentence (ICD 203).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from desktop.core.kernel.records import ANCHOR_CONTEXT, STATUS_AFTER, Annotation

from ..kernel import scales
from ..kernel.ach import sensitivity
from ..workspace import Workspace
from .output import ExportResult, write_atomic
from .selection import ExportSet, Selection, gather

DECISION_WORDS = {
    "submit": "Submitted for review",
    "approve": "Approved",
    "reject": "Rejected",
    "request_changes": "Changes requested",
}
STATUS_COLOURS = {
    "draft": ("#4a5568", "#edf2f7"),
    "submitted": ("#2c5282", "#ebf8ff"),
    "approved": ("#22543d", "#c6f6d5"),
    "rejected": ("#742a2a", "#fed7d7"),
    "changes_requested": ("#744210", "#fefcbf"),
}
RELATION_WORDS = {
    "corroborates": ("Corroborates", "Corroborated by"),
    "contradicts": ("Contradicts", "Contradicted by"),
    "duplicates": ("Duplicates", "Duplicated by"),
    "refines": ("Refines", "Refined by"),
}

CSS = """
body { font-family: 'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', Arial, sans-serif;
       font-size: 10pt; color: #1a202c; margin: 0; }
.page { max-width: 60em; margin: 0 auto; padding: 1em 2em; }
.banner { background-color: #000000; text-align: center; font-weight: bold;
          font-size: 11pt; padding: 4px; letter-spacing: 1px; }
h1 { font-size: 22pt; margin: 0 0 6px 0; }
h2 { font-size: 15pt; margin: 18px 0 6px 0; border-bottom: 1px solid #cbd5e0; }
h3 { font-size: 12pt; margin: 14px 0 4px 0; }
.muted { color: #4a5568; }
.small { font-size: 8.5pt; }
.tlp { background-color: #000000; font-weight: bold; padding: 1px 4px; }
table.grid { border-collapse: collapse; margin: 6px 0 10px 0; }
table.grid th, table.grid td { border: 1px solid #a0aec0; padding: 3px 8px; }
table.grid th { background-color: #edf2f7; text-align: left; }
td.n { text-align: center; }
td.zero { color: #a0aec0; text-align: center; }
table.claim { border-collapse: collapse; width: 100%; margin: 8px 0 14px 0;
              border: 1px solid #cbd5e0; }
table.claim td { padding: 3px 8px; vertical-align: top; }
td.label { color: #4a5568; width: 7.5em; font-size: 9pt; }
td.head { background-color: #f7fafc; border-bottom: 1px solid #cbd5e0; }
.statement { font-size: 11pt; font-weight: bold; }
.quote { color: #2d3748; }
.hit { background-color: #fff3a3; font-weight: bold; color: #1a202c; }
.chip { padding: 0 4px; }
.status { font-weight: bold; padding: 0 4px; }
dl { margin: 4px 0; }
dt { font-weight: bold; }
@media print {
  .banner.top { position: fixed; top: 0; left: 0; right: 0; }
  .banner.bottom { position: fixed; bottom: 0; left: 0; right: 0; }
  .page { padding-top: 2.5em; padding-bottom: 2.5em; }
  table.claim { page-break-inside: avoid; }
}
"""


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return f"{moment.day} {moment:%B %Y}"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def tlp_span(marking: str) -> str:
    fg, bg = scales.TLP_COLOURS[marking]
    return (
        f'<span class="tlp" style="color:{fg}; background-color:{bg}">'
        f"&nbsp;TLP:{escape(marking)}&nbsp;</span>"
    )


def banner(marking: str, where: str) -> str:
    fg, bg = scales.TLP_COLOURS[marking]
    return (
        f'<div class="banner {where}" style="color:{fg}; background-color:{bg}">'
        f"TLP:{escape(marking)}</div>"
    )


def admiralty_words(ann: Annotation) -> str:
    rel = scales.RELIABILITY.get(ann.reliability or "F", "")
    cred = scales.CREDIBILITY.get(ann.credibility or 6, "")
    return f"source {rel}; information {cred}"


def rating_line(ann: Annotation) -> str:
    """'B2 · likely (55–80 %)': the Admiralty code and the likelihood, as analysts write them."""
    parts = [scales.admiralty_code(ann.reliability, ann.credibility)]
    if ann.likelihood:
        parts.append(
            f"{scales.likelihood_label(ann.likelihood)} ({scales.likelihood_band(ann.likelihood)})"
        )
    return " · ".join(parts)


def confidence_sentence(ann: Annotation) -> str:
    """Analytic confidence, always a sentence of its own."""
    if not ann.confidence:
        return "Analytic confidence not stated."
    return f"Analytic confidence: {ann.confidence}."


def quote_in_context(ann: Annotation) -> str:
    """“…prefix **quote** suffix…”, the context cut back to whole words where there are any."""
    prefix = " ".join(ann.prefix.split("\n")) if ann.prefix else ""
    suffix = " ".join(ann.suffix.split("\n")) if ann.suffix else ""
    if len(ann.prefix) >= ANCHOR_CONTEXT and " " in prefix.strip():
        prefix = prefix[prefix.index(" ") + 1 :]
    if len(ann.suffix) >= ANCHOR_CONTEXT and " " in suffix.strip():
        suffix = suffix[: suffix.rindex(" ")]
    lead = "…" if prefix else ""
    tail = "…" if suffix else ""
    return (
        f'<span class="quote">“{lead}{escape(prefix)}<span class="hit">{escape(ann.quote)}'
        f"</span>{escape(suffix)}{tail}”</span>"
    )


def summary_table(claims: list[Annotation]) -> str:
    cols = [*scales.CONFIDENCE, None]
    rows = [*(x.key for x in scales.LIKELIHOOD), None]
    counts: dict[tuple, int] = {}
    for a in claims:
        key = (
            a.likelihood if a.likelihood in scales.LIKELIHOOD_BY_KEY else None,
            a.confidence if a.confidence in scales.CONFIDENCE else None,
        )
        counts[key] = counts.get(key, 0) + 1
    head = "".join(
        f'<th width="16%">{escape(c + " confidence" if c else "confidence not stated")}</th>'
        for c in cols
    )
    out = [
        '<table class="grid" cellspacing="0" cellpadding="4" width="100%">',
        f'<tr><th width="24%">Likelihood (ICD 203)</th>{head}<th width="12%">total</th></tr>',
    ]
    for r in rows:
        if r:
            x = scales.LIKELIHOOD_BY_KEY[r]
            label = f"{escape(x.label)} <span class='muted small'>({x.low}–{x.high}&nbsp;%)</span>"
        else:
            label = "likelihood not stated"
        cells = []
        for c in cols:
            n = counts.get((r, c), 0)
            cells.append(f'<td class="n"><b>{n}</b></td>' if n else '<td class="zero">·</td>')
        total = sum(counts.get((r, c), 0) for c in cols)
        cells.append(f'<td class="n">{total}</td>' if total else '<td class="zero">·</td>')
        out.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
    col_totals = [sum(counts.get((r, c), 0) for r in rows) for c in cols]
    out.append(
        "<tr><th>total</th>"
        + "".join(f'<td class="n">{n}</td>' for n in col_totals)
        + f'<td class="n"><b>{len(claims)}</b></td></tr>'
    )
    out.append("</table>")
    return "\n".join(out)


def _keep_percent(text: str) -> str:
    """Escaped, with the space before '%' unbreakable, so '55–80 %' never splits."""
    return escape(text).replace(" %", "&nbsp;%")


def _tags(data: ExportSet, ann: Annotation) -> str:
    chips = []
    for t in ann.tags:
        colour = data.tags.get(t, {}).get("colour") or "#e2e8f0"
        chips.append(
            f'<span class="chip" style="background-color:{escape(colour)}">'
            f"&nbsp;{escape(t)}&nbsp;</span>"
        )
    return " ".join(chips) or '<span class="muted">none</span>'


def _links(data: ExportSet, ann: Annotation) -> str:
    items = []
    for lk in data.links_of(ann.id):
        outgoing = lk.from_id == ann.id
        other = data.annotation_index.get(lk.to_id if outgoing else lk.from_id)
        if other is None:
            continue
        verb = RELATION_WORDS[lk.relation][0 if outgoing else 1]
        doc = data.document_of(other).title
        text = (
            f"{verb} “{escape(other.statement or other.quote)}” "
            f"<span class='muted'>({escape(doc)})</span>"
        )
        if lk.comment:
            text += f" — {escape(lk.comment)}"
        items.append(text)
    return "<br/>".join(items) or '<span class="muted">none</span>'


def _review_state(data: ExportSet, ann: Annotation) -> str:
    fg, bg = STATUS_COLOURS.get(ann.status, ("#1a202c", "#edf2f7"))
    state = (
        f'<span class="status" style="color:{fg}; background-color:{bg}">'
        f"&nbsp;{escape(ann.status.replace('_', ' '))}&nbsp;</span>"
    )
    last = data.last_decision(ann.id)
    if last:
        if STATUS_AFTER[last.decision] != ann.status:  # e.g. resubmitted after a return
            state += f"; last decision: {escape(DECISION_WORDS[last.decision].lower())}"
        state += f" by {escape(last.reviewer)}, {escape(_date(last.created_at))}"
        if last.opinion:
            state += f" <span class='muted'>(opinion: {escape(last.opinion)})</span>"
    return state


def _thread(data: ExportSet, ann: Annotation) -> str:
    rows = []
    if ann.comment:
        rows.append(
            f"<b>{escape(ann.analyst)}</b> <span class='muted small'>"
            f"{escape(_date(ann.created_at))}</span>: {escape(ann.comment)}"
        )
    for r in data.reviews.get(ann.id, []):
        line = (
            f"<b>{escape(r.reviewer)}</b> <span class='muted small'>"
            f"{escape(_date(r.created_at))}</span> — {escape(DECISION_WORDS[r.decision])}"
        )
        if r.comment:
            line += f": {escape(r.comment)}"
        rows.append(line)
    return "<br/>".join(rows) or '<span class="muted">no comments</span>'


def _claim(data: ExportSet, ann: Annotation, number: int) -> str:
    doc = data.document_of(ann)
    rows = [
        ("Quote", quote_in_context(ann)),
        (
            "Rating",
            f"<b>{_keep_percent(rating_line(ann))}</b><br/>"
            f"<span class='muted small'>{escape(admiralty_words(ann))}.</span>",
        ),
        ("Confidence", escape(confidence_sentence(ann))),
    ]
    if ann.rationale:
        rows.append(("Rationale", escape(ann.rationale)))
    rows += [
        ("Tags", _tags(data, ann)),
        ("Links", _links(data, ann)),
        ("Review", _review_state(data, ann)),
        ("Comments", _thread(data, ann)),
    ]
    body = "".join(
        f'<tr><td class="label" width="15%">{label}</td><td width="85%">{value}</td></tr>'
        for label, value in rows
    )
    return (
        '<table class="claim" cellspacing="0" cellpadding="3" width="100%">'
        f'<tr><td class="head" colspan="2"><span class="muted small">Claim {number} · '
        f"{escape(ann.analyst)} · {escape(_date(ann.created_at))} · </span>"
        f"{tlp_span(doc.marking)}<br/>"
        f'<span class="statement">{escape(ann.statement or ann.quote)}</span></td></tr>'
        f"{body}</table>"
    )


def ach_section(data: ExportSet) -> list[str]:
    """Each ACH matrix: hypotheses as columns, claims as rows, the scores row, the ranking and
    the claims that decide it (scored over the claims this report carries)."""
    if not data.matrices:
        return []
    parts = [
        "<h2>Analysis of competing hypotheses</h2>",
        "<p class='muted small'>Each cell: CC very consistent, C consistent, N neutral, "
        "I inconsistent, II very inconsistent, NA not applicable. Score per hypothesis: I = 1, "
        "II = 2, times the claim's weight (source reliability × information credibility); the "
        "least inconsistent hypothesis ranks first. Grey rows rate every hypothesis alike "
        "(non-diagnostic).</p>",
    ]
    for m in data.matrices:
        cols = [f"H{i + 1}" for i in range(len(m.hypotheses))]
        parts.append(f"<h3>{escape(m.question)} {tlp_span(m.marking)}</h3>")
        parts.append(
            "<ul>"
            + "".join(
                f"<li><b>{c}</b> {escape(h.text)}</li>"
                for c, h in zip(cols, m.hypotheses, strict=True)
            )
            + "</ul>"
        )
        head = "".join(f"<th>{c}</th>" for c in cols)
        rows = []
        for r in m.rows:
            if r.missing:
                label = "<i>missing evidence or not in this report</i>"
                style = " class='muted'"
            else:
                a = r.claim
                label = (
                    f"{escape(r.label)} <span class='small muted'>"
                    f"{escape((a.reliability or '?') + str(a.credibility or '?'))}, "
                    f"weight {r.weight:.2f}</span>"
                )
                style = " class='muted'" if r.non_diagnostic else ""
            cells = "".join(
                f"<td class='n'>{escape(r.cells.get(h.id, '·'))}</td>" for h in m.hypotheses
            )
            rows.append(f"<tr{style}><td>{label}</td>{cells}</tr>")
        scores = "".join(
            f"<td class='n'><b>{h.score:.2f}</b> (#{h.rank})</td>" for h in m.hypotheses
        )
        parts.append(
            "<table class='grid' cellspacing='0' cellpadding='4'>"
            f"<tr><th>Claim</th>{head}</tr>{''.join(rows)}"
            f"<tr><th>Weighted inconsistency</th>{scores}</tr></table>"
        )
        order = [cols[[h.id for h in m.hypotheses].index(hid)] for hid in m.ranking]
        parts.append(
            f"<p>Ranking, least inconsistent first: {escape(' < '.join(order) or '—')}</p>"
        )
        decisive = sensitivity(m)
        if decisive:
            parts.append(
                "<p><b>Sensitivity</b></p><ul>"
                + "".join(f"<li>{escape(s.message)}</li>" for s in decisive)
                + "</ul>"
            )
        else:
            parts.append("<p class='muted'>No single claim changes which hypothesis leads.</p>")
    return parts


def render_html(data: ExportSet, *, title: str = "Claims report", paged: bool = False) -> str:
    """The report of DATA's claims; `paged` drops the banners (the PDF draws them on every page)
    and starts the claims on a new page. Notes are not part of the report."""
    data = data.claims_only()
    highest = data.highest_marking
    claims = data.claims
    analysts = sorted({a.analyst for a in claims})
    cover = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='muted'>{escape(data.workspace_name)} · generated {escape(_date(data.created))}"
        "</p>",
        f"<p>Highest marking in this report: {tlp_span(highest)}</p>",
        "<table class='grid' cellspacing='0' cellpadding='4'>",
        f"<tr><th>Selection</th><td>{escape(data.selection.describe())}</td></tr>",
        f"<tr><th>Documents</th><td>{len(data.documents)}</td></tr>",
        f"<tr><th>Claims</th><td>{len(claims)}</td></tr>",
        f"<tr><th>Analysts</th><td>{escape(', '.join(analysts) or '—')}</td></tr>",
        "</table>",
        "<h2>Claims by likelihood and confidence</h2>",
        "<p class='muted small'>Rows: ICD 203 likelihood of the judgement. Columns: the "
        "analyst's confidence in it, a separate judgement.</p>",
        summary_table(claims),
        *ach_section(data),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        f"<title>{escape(title)} — TLP:{escape(highest)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    if not paged:
        parts.append(banner(highest, "top"))
    parts.append("<div>" if paged else '<div class="page">')  # the PDF page has its margins
    parts += cover
    number = 0
    first = True
    for entry in data.documents:
        doc_claims = [a for a in entry.annotations if a.kind == "claim"]
        if not doc_claims:
            continue
        doc = entry.document
        brk = ' style="page-break-before: always"' if paged and first else ""
        first = False
        meta = [
            doc.source or "",
            f"reliability {doc.reliability}" if doc.reliability else "",
            doc.author or "",
            _date(doc.published_at),
        ]
        parts.append(f"<h2{brk}>{escape(doc.title)}</h2>")
        parts.append(
            f"<p class='muted small'>{tlp_span(doc.marking)} "
            f"{escape(' · '.join(m for m in meta if m))}"
            + (f"<br/>{escape(doc.url)}" if doc.url else "")
            + f"<br/>SHA-256 {escape(doc.sha256)}</p>"
        )
        for ann in doc_claims:
            number += 1
            parts.append(_claim(data, ann, number))
    if not claims:
        parts.append("<p class='muted'>No claims in this selection.</p>")
    parts.append("</div>")
    if not paged:
        parts.append(banner(highest, "bottom"))
    parts.append("</body></html>")
    return "\n".join(parts)


def export_html(
    ws: Workspace,
    dest: Path | str,
    selection: Selection | None = None,
    *,
    title: str = "Claims report",
) -> ExportResult:
    """Write the selection's claims report as one self-contained HTML file to DEST."""
    data = gather(ws, selection).claims_only()
    html = render_html(data, title=title)
    return ExportResult.of(write_atomic(dest, html.encode("utf-8")), "HTML report", data)

"""A small worked analysis for the claim graph and timeline tests: three documents from sources
of different reliability, claims on them with tags, links of every kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.workspace import Workspace

ADVISORY = (
    "CERT advisory on exploitation\n\n"
    "Attackers now exploit disclosed flaws within hours of publication. "
    "Patching in most agencies still takes several weeks. "
    "Export controls have not slowed the tools down."
)
VENDOR = (
    "Vendor blog: our agent\n\n"
    "Our agent writes a working exploit within minutes of a disclosure. "
    "No defender can keep pace without automation."
)
FORUM = (
    "Forum thread on exploit bots\n\n"
    "Someone claims the bot only works on toy examples. "
    "Nobody here has seen it run on a real target."
)


@dataclass
class Analysis:
    advisory: str  # document ids
    vendor: str
    forum: str
    hours: str  # claim ids
    weeks: str
    controls: str
    minutes: str
    toy: str
    note: str  # a note (never in the graph)
    removed: str  # a claim deleted after it was linked
    contradicts_ad: str  # link ids: hours (A) ↔ minutes (D), highlighted
    contradicts_aa: str  # hours ↔ weeks, both A: not highlighted
    corroborates: str
    refines: str


def _span(ws: Workspace, doc_id: str, phrase: str) -> tuple[int, int]:
    start = ws.document(doc_id).text.index(phrase)
    return start, start + len(phrase)


def _claim(ws, doc_id, phrase, statement, tags=(), credibility=None, **kw) -> str:
    start, end = _span(ws, doc_id, phrase)
    return ws.add_claim(
        doc_id, start, end, statement, credibility=credibility, tags=tuple(tags), **kw
    ).created


def build_analysis(ws: Workspace, folder: Path) -> Analysis:
    folder.mkdir(parents=True, exist_ok=True)
    ids = {}
    for name, text in (("advisory.txt", ADVISORY), ("vendor.txt", VENDOR), ("forum.txt", FORUM)):
        (folder / name).write_text(text, encoding="utf-8")
        ids[name] = ws.import_paths([folder / name]).imported[0]
    advisory, vendor, forum = ids["advisory.txt"], ids["vendor.txt"], ids["forum.txt"]
    ws.update_document(
        advisory, source="National CERT", source_reliability="A", published_at="2025-01-10"
    )
    ws.update_document(
        vendor, source="Agent Vendor", source_reliability="D", published_at="2025-02-03"
    )
    hours = _claim(
        ws,
        advisory,
        "Attackers now exploit",
        "Flaws are exploited within hours.",
        ("capability/exploit",),
        2,
        likelihood="very_likely",
        confidence="moderate",
    )
    weeks = _claim(
        ws, advisory, "Patching in most", "Agencies patch in weeks.", ("vulnerability/patching",), 1
    )
    controls = _claim(
        ws, advisory, "Export controls", "Controls have not slowed tools.", ("policy",), 3
    )
    minutes = _claim(
        ws,
        vendor,
        "Our agent writes",
        "The agent exploits within minutes.",
        ("capability/ai",),
        4,
        likelihood="likely",
    )
    toy = _claim(
        ws, forum, "Someone claims", "The bot only works on toy examples.", ("capability/ai",), 5
    )
    start, end = _span(ws, forum, "Nobody here")
    note = ws.add_note(forum, start, end, comment="just a note").created
    removed = _claim(ws, vendor, "No defender", "Defenders cannot keep pace.", ("capability/ai",))
    contradicts_ad = ws.link_claims(hours, minutes, "contradicts").created
    contradicts_aa = ws.link_claims(hours, weeks, "contradicts", "hours vs weeks").created
    corroborates = ws.link_claims(controls, hours, "corroborates").created
    refines = ws.link_claims(toy, minutes, "refines").created
    ws.link_claims(removed, minutes, "duplicates")
    ws.delete_annotation(removed)
    return Analysis(
        advisory,
        vendor,
        forum,
        hours,
        weeks,
        controls,
        minutes,
        toy,
        note,
        removed,
        contradicts_ad,
        contradicts_aa,
        corroborates,
        refines,
    )

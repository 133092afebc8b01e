"""Shared by the export and import tests: a small workspace holding every kind of work."""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace

ANALYST = Profile(
    id="11111111-1111-4111-8111-111111111111", name="Ada Analyst", role="analyst", configured=True
)
DESK = Profile(  # the supervisor of another workstation, who brings files in
    id="44444444-4444-4444-8444-444444444444",
    name="Kofi Mensah",
    role="supervisor",
    configured=True,
)
SUPERVISOR = Profile(
    id="33333333-3333-4333-8333-333333333333",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)

TEXTS = {
    "exploits.txt": (
        "Lab's AI agent wrote working exploits in hours\n\n"
        "Researchers say an AI agent wrote working exploits for 11 of 20 recent "
        "vulnerabilities within hours. Defenders patch in weeks, so the gap is widening.\n\n"
        "A comparable tool will definitely emerge within 18 months, one former exploit "
        "developer said; “nobody is ready”."
    ),
    "controls.txt": (
        "Export controls, three years on\n\n"
        "Domestic accelerators will meet most demand by 2028, the ministry claims. "
        "Analysts doubt the yield figures. Ça reste à prouver, selon Müller.\n\n"
        "Transshipment through third countries continues at a reduced scale."
    ),
    "red.txt": "Restricted source brief\n\nThe RED-only claim about a named informant.",
}


def phrase(ws: Workspace, doc_id: str, text: str) -> tuple[int, int]:
    body = ws.document(doc_id).text
    start = body.index(text)
    return start, start + len(text)


def build_workspace(path: Path) -> tuple[Workspace, dict[str, str]]:
    """Three documents (CLEAR, AMBER, RED) with notes, rated claims, nested tags, links and reviews.

    Returns the workspace (active analyst: Ada) and a name → id map of what was made.
    """
    ws = Workspace.create(path / "ws", profile=ANALYST)
    src = path / "in"
    src.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (src / name).write_text(text, encoding="utf-8")
    ws.import_paths(sorted(src.iterdir()))
    docs = {d["filename"]: d["id"] for d in ws.list_documents()}
    ws.set_source("The Meridian Ledger", kind="outlet", reliability="C")
    ws.update_document(
        docs["exploits.txt"],
        source="The Meridian Ledger",
        url="https://example.org/ledger/ai-exploits",
        published_at="2025-03-18",
        author="Hannah Veldt",
    )
    ws.set_source("Halvorsen Institute", kind="agency", reliability="B")
    ws.update_document(docs["controls.txt"], source="Halvorsen Institute", marking="AMBER")
    ws.update_document(docs["red.txt"], marking="RED")
    ids: dict[str, str] = {
        "exploits": docs["exploits.txt"],
        "controls": docs["controls.txt"],
        "red": docs["red.txt"],
    }
    e, c, r = ids["exploits"], ids["controls"], ids["red"]

    s, t = phrase(ws, e, "an AI agent wrote working exploits for 11 of 20 recent vulnerabilities")
    ids["c1"] = ws.add_claim(
        e,
        s,
        t,
        "An AI agent exploited 11 of 20 recent vulnerabilities within hours.",
        credibility=2,
        likelihood="likely",
        confidence="moderate",
        rationale="Preprint with a described method; not yet replicated.",
        comment="Check the preprint's appendix.",
        tags=["capability/vuln discovery", "actor"],
    ).created
    s, t = phrase(ws, e, "A comparable tool will definitely emerge within 18 months")
    ids["c2"] = ws.add_claim(
        e,
        s,
        t,
        "A comparable tool will emerge within 18 months.",
        credibility=5,
        likelihood="roughly even",
        confidence="low",
        tags=["capability"],
    ).created
    s, t = phrase(ws, e, "Defenders patch in weeks")
    ids["n1"] = ws.add_note(
        e, s, t, comment="=SUM(A1:A9) looks like a formula", tags=["policy/patching"]
    ).created
    s, t = phrase(ws, c, "Domestic accelerators will meet most demand by 2028")
    ids["c3"] = ws.add_claim(
        c,
        s,
        t,
        "Domestic accelerators will meet most demand by 2028.",
        credibility=3,
        likelihood="unlikely",
        confidence="high",
        tags=["supply chain/accelerators"],
        comment="Ça reste à prouver — Müller",
    ).created
    s, t = phrase(ws, r, "The RED-only claim about a named informant")
    ids["c4"] = ws.add_claim(
        r, s, t, "-1 informants say so", credibility=6, likelihood="almost certain", tags=["actor"]
    ).created
    ids["l1"] = ws.link_claims(
        ids["c1"], ids["c2"], "corroborates", "same capability, different horizon"
    ).created
    ids["l2"] = ws.link_claims(ids["c3"], ids["c1"], "contradicts").created
    ids["l3"] = ws.link_claims(ids["c4"], ids["c1"], "refines").created
    for key in ("c1", "c2", "c3"):
        ws.submit(ids[key], comment=f"ready: {key}")
    ws.switch_analyst(SUPERVISOR)
    ws.review(ids["c1"], "approve", "Sound sourcing.")
    ws.review(ids["c2"], "request_changes", "Say who the developer is.")
    ws.review(ids["c3"], "reject", "Yield figures are not public.", opinion="strongly-disagree")
    ws.switch_analyst(ANALYST)
    return ws, ids


_TEMPLATE: dict = {}


def workspace_copy(tmp_path: Path) -> tuple[Workspace, dict[str, str]]:
    """A private copy of the workspace build_workspace makes (built once per test session)."""
    if "path" not in _TEMPLATE or not _TEMPLATE["path"].exists():
        base = Path(tempfile.mkdtemp(prefix="assay-exports-template-"))
        atexit.register(shutil.rmtree, base, True)
        with pytest.MonkeyPatch.context() as mp:  # keys go to a private profile, never the user's
            mp.setenv("ASSAY_PROFILE_DIR", str(base / "profile"))
            ws, ids = build_workspace(base)
            ws.close()
        _TEMPLATE.update(path=base, ids=ids)
    base = _TEMPLATE["path"]
    shutil.copytree(base / "ws", tmp_path / "ws", ignore=shutil.ignore_patterns("lock"))
    shutil.copytree(base / "in", tmp_path / "in")
    return Workspace.open(tmp_path / "ws", profile=ANALYST), dict(_TEMPLATE["ids"])


def disable_network(monkeypatch) -> None:
    """Any attempt to open a socket or resolve a name fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def snapshot(ws: Workspace) -> list[tuple]:
    """Every annotation with the fields a round trip must keep, keyed by content, not ids."""
    out = []
    for d in ws.list_documents(order="title"):
        for a in ws.annotations(d["id"]):
            links = sorted(
                (lk.relation, lk.comment, ws.annotation(lk.to_id).quote)
                for lk in ws.links(a.id)
                if lk.from_id == a.id
            )
            out.append(
                (
                    d["title"],
                    a.start,
                    a.end,
                    a.quote,
                    a.prefix,
                    a.suffix,
                    a.kind,
                    a.statement,
                    a.comment,
                    a.credibility,
                    a.likelihood,
                    a.confidence,
                    a.rationale,
                    tuple(a.tags),
                    tuple(links),
                )
            )
    return sorted(out, key=repr)


def threads(ws: Workspace) -> list[tuple]:
    """Who made each annotation, when, its state and its whole review thread (ids included)."""
    out = []
    for d in ws.list_documents(order="title"):
        for a in ws.annotations(d["id"]):
            thread = tuple(
                (r.id, r.decision, r.reviewer_id, r.reviewer, r.opinion, r.comment, r.created_at)
                for r in ws.reviews(a.id)
            )
            out.append((a.id, a.quote, a.created_by, a.analyst, a.created_at, a.status, thread))
    return sorted(out)


def counts(ws: Workspace) -> tuple[int, int, int, tuple]:
    """Documents, annotations, links and markings: to show an import changed nothing."""
    docs = ws.list_documents(order="title")
    anns = [a for d in docs for a in ws.annotations(d["id"])]
    links = {lk.id for a in anns for lk in ws.links(a.id)}
    return len(docs), len(anns), len(links), tuple(d["marking"] for d in docs)


def fresh_workspace_with_same_documents(
    tmp_path: Path, name: str = "other", profile: Profile = ANALYST
) -> Workspace:
    """Another workstation that imported the same files (same bytes → same document ids)."""
    ws = Workspace.create(tmp_path / name, profile=profile)
    ws.import_paths(sorted((tmp_path / "in").iterdir()))
    return ws

"""The claim graph (nodes, edges, groups, highlights, layout) and the timeline, through the
Workspace facade."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from desktop.core.kernel.errors import Cancelled, NotFound, QueryError
from desktop.core.kernel.records import Cancel
from desktop.core.services import graph as graph_module
from desktop.core.services.graph import ClaimGraph, GraphEdge, GraphGroup, GraphNode, layout

from .analysis_support import build_analysis
from .store_digest import store_digest


@pytest.fixture
def analysis(ws, tmp_path):
    return build_analysis(ws, tmp_path / "in")


# -- the graph ----------------------------------------------------------------------------------


def test_nodes_are_the_live_claims_with_their_ratings(ws, analysis):
    g = ws.claim_graph()
    ids = {n.id for n in g.nodes}
    a = analysis
    assert ids == {a.hours, a.weeks, a.controls, a.minutes, a.toy}  # no note, no removed claim
    hours = g.node(a.hours)
    assert hours.statement == "Flaws are exploited within hours."
    assert (hours.document_id, hours.source, hours.admiralty) == (a.advisory, "National CERT", "A2")
    assert g.node(a.toy).admiralty == "F5"  # no source: reliability cannot be judged
    assert g.node(a.toy).source == "(no source)"


def test_edges_are_the_live_links_between_live_claims(ws, analysis):
    g = ws.claim_graph()
    a = analysis
    assert {e.id for e in g.edges} == {
        a.contradicts_ad,
        a.contradicts_aa,
        a.corroborates,
        a.refines,
    }  # the duplicate of the removed claim is gone with it
    assert {e.id: e.relation for e in g.edges}[a.corroborates] == "corroborates"
    ws.unlink(a.refines)
    assert a.refines not in {e.id for e in ws.claim_graph().edges}


def test_only_contradictions_between_sources_of_different_reliability_are_highlighted(ws, analysis):
    g = ws.claim_graph()
    highlighted = {e.id for e in g.edges if e.highlight}
    assert highlighted == {analysis.contradicts_ad}  # A against D; A against A is not
    assert g.counts()["highlighted"] == 1
    # re-rate the vendor as A: the contradiction is between equals now
    ws.update_document(analysis.vendor, source_reliability="A")
    assert not any(e.highlight for e in ws.claim_graph().edges)


def test_groups_by_document_or_by_source(ws, analysis):
    by_doc = ws.claim_graph(group="document")
    assert {g.id: g.size for g in by_doc.groups} == {
        analysis.advisory: 3,
        analysis.vendor: 1,
        analysis.forum: 1,
    }
    assert all(n.group == n.document_id for n in by_doc.nodes)
    by_source = ws.claim_graph(group="source")
    assert sorted((g.name, g.size) for g in by_source.groups) == [
        ("(no source)", 1),
        ("Agent Vendor", 1),
        ("National CERT", 3),
    ]
    assert by_source.node(analysis.toy).group == ""


def test_tag_filter_keeps_the_tag_and_its_children(ws, analysis):
    a = analysis
    g = ws.claim_graph(tag="capability")  # capability/exploit and capability/ai
    assert {n.id for n in g.nodes} == {a.hours, a.minutes, a.toy}
    assert {e.id for e in g.edges} == {a.contradicts_ad, a.refines}
    assert {n.id for n in ws.claim_graph(tag="capability/ai").nodes} == {a.minutes, a.toy}


def test_a_removed_document_takes_its_claims_out_of_the_graph(ws, analysis):
    ws.remove_document(analysis.vendor)
    g = ws.claim_graph()
    assert analysis.minutes not in {n.id for n in g.nodes}
    assert {e.id for e in g.edges} == {analysis.contradicts_aa, analysis.corroborates}


def test_bad_graph_requests_say_what_is_wrong_and_change_nothing(ws, analysis):
    before, label = store_digest(ws), ws.undo_label()
    with pytest.raises(QueryError, match="document or source"):
        ws.claim_graph(group="analyst")
    with pytest.raises(NotFound, match="No tag named 'nowhere'"):
        ws.claim_graph(tag="nowhere")
    with pytest.raises(NotFound):
        ws.claim_graph().node("not-a-claim")
    assert store_digest(ws) == before and ws.undo_label() == label


def test_an_empty_workspace_has_an_empty_graph(ws):
    g = ws.claim_graph()
    assert (g.nodes, g.edges, g.groups) == ([], [], [])
    assert ws.graph_layout(g) == {}


# -- the layout ---------------------------------------------------------------------------------


def synthetic_graph(groups: int, per_group: int, links: int, seed: int = 1) -> ClaimGraph:
    import random

    rng = random.Random(seed)
    nodes, edges = [], []
    group_list = [GraphGroup(f"g{i:03}", f"Group {i}", per_group + i % 3) for i in range(groups)]
    for g in group_list:
        for k in range(g.size):
            nodes.append(GraphNode(f"{g.id}-{k}", "s", g.id, g.name, None, "", "B", 2, g.id))
    for i in range(links):
        a, b = rng.sample(nodes, 2)
        if rng.random() < 0.6:  # most links stay within a document
            b = rng.choice([n for n in nodes if n.group == a.group and n is not a] or [b])
        edges.append(GraphEdge(f"l{i}", a.id, b.id, "corroborates", "", False))
    return ClaimGraph("document", nodes, edges, group_list)


def assert_groups_apart(g: ClaimGraph, pos: dict) -> None:
    """Each group's claims sit in a disc of their own: no two groups' discs overlap."""
    by_group = defaultdict(list)
    for n in g.nodes:
        by_group[n.group].append(pos[n.id])
    discs = []
    for points in by_group.values():
        cx = sum(p[0] for p in points) / len(points)
        cy = sum(p[1] for p in points) / len(points)
        reach = max(math.dist((cx, cy), p) for p in points)
        discs.append((cx, cy, reach))
    for i, (ax, ay, ar) in enumerate(discs):
        for bx, by, br in discs[i + 1 :]:
            assert math.dist((ax, ay), (bx, by)) > ar + br, "two groups overlap"


def test_layout_places_every_claim_apart_group_by_group(ws, analysis):
    g = ws.claim_graph()
    pos = ws.graph_layout(g, seed=3)
    assert set(pos) == {n.id for n in g.nodes}
    assert_groups_apart(g, pos)
    points = list(pos.values())
    assert all(math.dist(p, q) > 0.3 for i, p in enumerate(points) for q in points[i + 1 :]), (
        "two claims on top of each other"
    )


def test_layout_is_repeatable_with_a_seed():
    g = synthetic_graph(12, 8, 60)
    assert layout(g, seed=5) == layout(g, seed=5)
    assert layout(g, seed=5) != layout(g, seed=6)


def test_layout_of_many_groups_keeps_them_apart():
    g = synthetic_graph(40, 10, 300)
    assert_groups_apart(g, layout(g, seed=1))


def test_layout_packs_a_great_many_groups_in_rows_and_large_groups_as_spirals(monkeypatch):
    monkeypatch.setattr(graph_module, "SPRING_GROUPS_LIMIT", 5)
    monkeypatch.setattr(graph_module, "SPRING_GROUP_LIMIT", 6)
    g = synthetic_graph(30, 8, 200)
    pos = layout(g, seed=2)
    assert set(pos) == {n.id for n in g.nodes}
    assert_groups_apart(g, pos)


def test_layout_reports_progress_and_can_be_cancelled():
    g = synthetic_graph(10, 5, 30)
    seen = []
    layout(g, progress=lambda done, total, msg: seen.append((done, total)))
    assert seen[0] == (0, 11) and seen[-1] == (11, 11)
    cancel = Cancel()
    cancel.set()
    with pytest.raises(Cancelled):
        layout(g, cancel=cancel)


# -- the timeline -------------------------------------------------------------------------------


def test_timeline_puts_documents_and_claims_on_their_published_dates(ws, analysis):
    events = ws.timeline()
    a = analysis
    kinds = {(e.kind, e.id): e for e in events}
    assert kinds[("document", a.advisory)].at == "2025-01-10"
    assert kinds[("document", a.advisory)].dated_by == "published"
    assert kinds[("claim", a.hours)].at == "2025-01-10"
    assert kinds[("claim", a.hours)].document_id == a.advisory
    assert "very likely" in kinds[("claim", a.hours)].detail
    assert kinds[("claim", a.minutes)].day == "2025-02-03"
    # no publication date: the day it was imported
    forum = kinds[("document", a.forum)]
    assert forum.dated_by == "imported" and forum.at == ws.document(a.forum).imported_at
    assert ("claim", a.removed) not in kinds and ("claim", a.note) not in kinds
    assert [e.at for e in events] == sorted(e.at for e in events)
    # on one day the document comes before its claims
    assert events[0].kind == "document" and events[0].id == a.advisory


def test_timeline_filters_by_tag_with_children(ws, analysis):
    a = analysis
    events = ws.timeline(tag="capability")
    assert {e.id for e in events if e.kind == "claim"} == {a.hours, a.minutes, a.toy}
    assert {e.id for e in events if e.kind == "document"} == {a.advisory, a.vendor, a.forum}
    policy = ws.timeline(tag="policy")
    assert [(e.kind, e.id) for e in policy] == [("document", a.advisory), ("claim", a.controls)]


def test_timeline_between_two_days(ws, analysis):
    events = ws.timeline(since="2025-02-01", until="2025-02-28")
    assert {(e.kind, e.id) for e in events} == {
        ("document", analysis.vendor),
        ("claim", analysis.minutes),
    }
    first_day = ws.timeline(until="2025-01-10")
    assert len(first_day) == 4 and {e.day for e in first_day} == {"2025-01-10"}


def test_bad_timeline_requests_say_what_is_wrong_and_change_nothing(ws, analysis):
    before = store_digest(ws)
    with pytest.raises(QueryError, match="since must be a date"):
        ws.timeline(since="last week")
    with pytest.raises(QueryError, match="starts"):
        ws.timeline(since="2025-03-01", until="2025-01-01")
    with pytest.raises(NotFound, match="No tag"):
        ws.timeline(tag="nowhere")
    assert store_digest(ws) == before


def _audit_judgement(ws, judgement_id: str, change: dict) -> str:
    with ws.session.write() as tx:
        tx.audit("edit judgement", "judgement", judgement_id, change)
        return tx.now


def test_timeline_shows_judgement_changes_from_the_audit_log(ws, analysis):
    first = _audit_judgement(
        ws,
        "j-1",
        {"reason": "new judgement", "likelihood": "likely", "confidence": "low"},
    )
    second = _audit_judgement(
        ws,
        "j-1",
        {
            "reason": "judgement raised from likely to very_likely: claim 1a2b3c4d added",
            "likelihood": "very_likely",
            "confidence": "moderate",
        },
    )
    changes = [e for e in ws.timeline() if e.kind == "judgement"]
    assert [(e.id, e.at) for e in changes] == [("j-1", first), ("j-1", second)]
    assert changes[1].title.startswith("judgement raised from likely to very_likely")
    assert changes[1].detail == "very likely · moderate confidence"
    assert changes[1].dated_by == "changed"
    # the audit of other entities is not a judgement change
    assert all(e.kind != "judgement" or e.id == "j-1" for e in ws.timeline())


def test_judgement_changes_follow_the_tag_of_the_claims_they_rest_on(ws, analysis):
    ai = ws.add_judgement(
        "Agents write exploits.",
        likelihood="likely",
        confidence="low",
        supporting=[analysis.minutes],
        reason="rests on the minutes",
    ).created
    policy = ws.add_judgement(
        "Controls will not hold.",
        likelihood="unlikely",
        confidence="moderate",
        weakening=[analysis.controls],
        reason="rests on controls",
    ).created
    assert [e.id for e in ws.timeline(tag="capability/ai") if e.kind == "judgement"] == [ai]
    assert [e.id for e in ws.timeline(tag="policy") if e.kind == "judgement"] == [policy]
    assert {e.id for e in ws.timeline() if e.kind == "judgement"} == {ai, policy}

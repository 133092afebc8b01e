"""Annotations, claims, ratings, tags, links and undo through the Workspace facade."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.kernel import scales
from desktop.core.kernel.errors import AnnotationError, NotFound, PermissionDenied, WorkspaceError
from desktop.core.kernel.ids import normalise_tag, tag_id
from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace

from .conftest import write_texts

TEXT = (
    "Vendor says AI agents now exploit bugs within hours. "
    "The ministry insists a comparable tool will definitely emerge within 18 months. "
    "Defenders patch in weeks."
)


@pytest.fixture
def doc(ws, tmp_path):
    write_texts(
        tmp_path / "in",
        {
            "report.txt": "Exploit report\n\n" + TEXT,
            "other.txt": "Second report\n\nDefenders patch in days, not weeks.",
        },
    )
    ws.import_paths([tmp_path / "in"])
    return ws.find_document("Exploit report")


def span(doc, phrase):
    start = doc.text.index(phrase)
    return start, start + len(phrase)


def test_claim_with_ratings_tags_anchor_and_search(ws, doc):
    s, e = span(doc, "a comparable tool will definitely emerge within 18 months")
    ch = ws.add_claim(
        doc.id,
        s,
        e,
        "A comparable exploit tool will appear by mid-2027",
        credibility=3,
        likelihood="likely",
        confidence="moderate",
        rationale="Single ministry source",
        tags=["capability/vuln-discovery", "Actor/State"],
    )
    assert ch.created and doc.id in ch.documents and ch.index
    claim = ws.annotation(ch.created)
    assert claim.quote == doc.text[s:e]
    assert doc.text.endswith(claim.suffix) or doc.text[e:].startswith(claim.suffix)
    assert doc.text[:s].endswith(claim.prefix) and len(claim.prefix) == 32
    assert (claim.kind, claim.status, claim.credibility) == ("claim", "draft", 3)
    assert claim.tags == ["actor/state", "capability/vuln-discovery"]
    assert claim.admiralty == "F3"  # source reliability unknown yet
    assert claim.rating == "F3 · likely (55–80 %) · moderate confidence"
    ws.update_document(doc.id, reliability="B")
    assert ws.annotation(claim.id).admiralty == "B3"
    # parents are made for hierarchical tags
    names = {t["name"]: t for t in ws.tags()}
    assert {"capability", "capability/vuln-discovery", "actor", "actor/state"} <= set(names)
    assert names["capability/vuln-discovery"]["parent_id"] == names["capability"]["id"]
    assert names["capability/vuln-discovery"]["uses"] == 1
    # searchable by statement, tag wildcard and ratings
    hits = ws.search("tag:capability/* likelihood:likely")
    assert [(h.id, h.kind) for h in hits] == [(claim.id, "claim")]
    assert [h.id for h in ws.search("statement:appear")] == [claim.id]
    assert [h.id for h in ws.search("credibility:3 confidence:moderate")] == [claim.id]
    assert [h.id for h in ws.search("rating:b3")] == [claim.id]
    assert [h.id for h in ws.search("by:ada status:draft")] == [claim.id]
    assert ws.search("likelihood:very_likely") == []
    frag = ws.search("comparable exploit", highlight="plain", kinds=("claim",))[0].fragments
    assert "[comparable]" in frag["statement"]
    assert ws.check().ok


def test_note_comment_and_convert_to_claim(ws, doc):
    s, e = span(doc, "Defenders patch in weeks")
    note = ws.add_note(doc.id, s, e, comment="check patch data", tags=["policy"]).created
    assert ws.annotation(note).kind == "note"
    assert [h.id for h in ws.search("comment:patch")] == [note]
    ws.convert_to_claim(note, "Defenders take weeks to patch")
    a = ws.annotation(note)
    assert (a.kind, a.statement) == ("claim", "Defenders take weeks to patch")
    assert [x.id for x in ws.annotations(doc.id)] == [note]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"credibility": 7}, "Credibility"),
        ({"likelihood": "maybe"}, "Unknown likelihood"),
        ({"confidence": "very"}, "confidence"),
        ({"tags": ["a//b"]}, "empty part"),
        ({"tags": ["bad,comma"]}, "may hold"),
    ],
)
def test_bad_ratings_and_tags_change_nothing(ws, doc, kwargs, message):
    label = ws.undo_label()
    with pytest.raises((scales.RatingError, AnnotationError), match=message):
        ws.add_claim(doc.id, 0, 5, "x", **kwargs)
    assert ws.annotations(doc.id) == []
    assert ws.undo_label() == label  # no step was recorded


def test_bad_spans_are_refused(ws, doc):
    for s, e in ((5, 5), (-1, 3), (0, len(doc.text) + 1), (10, 4)):
        with pytest.raises(AnnotationError, match="span"):
            ws.add_note(doc.id, s, e)
    with pytest.raises(NotFound):
        ws.add_note("no-such-document", 0, 1)


def test_likelihood_accepts_words_and_alternative_terms():
    assert scales.check_likelihood("Very Likely") == "very_likely"
    assert scales.check_likelihood("highly probable") == "very_likely"
    assert scales.check_likelihood("roughly even chance") == "roughly_even"
    assert scales.check_likelihood("remote") == "almost_no_chance"
    assert scales.stix_confidence(1, "low") == 90
    assert scales.stix_confidence(6, None) is None
    assert scales.stix_confidence(None, "high") == 85
    assert [scales.stix_confidence(c, None) for c in range(1, 6)] == [90, 70, 50, 30, 10]
    bands = [(x.low, x.high) for x in scales.LIKELIHOOD]
    assert bands[0] == (1, 5) and bands[-1] == (95, 99)
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))


def test_undo_and_redo_each_action_by_name(ws, doc):
    s, e = span(doc, "Vendor says AI agents now exploit bugs within hours")
    claim = ws.add_claim(
        doc.id,
        s,
        e,
        "Exploits within hours",
        credibility=4,
        likelihood="unlikely",
        tags=["capability"],
    ).created
    assert ws.undo_label() == "Add claim"
    ws.edit_claim(claim, likelihood="likely", statement="Exploits within a day")
    assert ws.undo_label() == "Edit claim"
    assert [h.id for h in ws.search("likelihood:likely")] == [claim]
    changes = ws.undo()
    assert claim in changes.annotations
    a = ws.annotation(claim)
    assert (a.likelihood, a.statement) == ("unlikely", "Exploits within hours")
    assert ws.search("likelihood:likely") == []
    assert ws.redo_label() == "Edit claim"
    ws.undo()  # the claim itself
    assert ws.annotations(doc.id) == []
    assert ws.search("capability", kinds=("claim",)) == []
    assert ws.search("tag:capability") == []
    ws.redo()
    assert [x.id for x in ws.annotations(doc.id)] == [claim]
    assert [h.id for h in ws.search("tag:capability")] == [claim]
    ws.redo()
    assert ws.annotation(claim).likelihood == "likely"
    with pytest.raises(WorkspaceError, match="Nothing to redo"):
        ws.redo()
    # a new action clears the redo stack
    ws.undo()
    ws.tag_annotation(claim, ["policy"])
    assert ws.redo_label() is None
    actions = [r[0] for r in ws.db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions.count("undo") == 3 and actions.count("redo") == 2
    assert ws.verify_audit().ok and ws.check().ok


def test_only_the_author_edits_a_claim(ws, doc, tmp_path, analyst):
    s, e = span(doc, "Defenders patch in weeks")
    claim = ws.add_claim(doc.id, s, e, "Patching takes weeks", credibility=2).created
    path = ws.path
    ws.close()
    boss = Profile(
        id="33333333-3333-4333-8333-333333333333",
        name="Sam Supervisor",
        role="supervisor",
        configured=True,
    )
    other = Workspace.open(path, profile=boss)
    try:
        with pytest.raises(PermissionDenied, match="belongs to Ada Analyst"):
            other.edit_claim(claim, credibility=1)
        with pytest.raises(PermissionDenied):
            other.delete_annotation(claim)
        with pytest.raises(PermissionDenied):
            other.tag_annotation(claim, ["x"])
        assert other.annotation(claim).credibility == 2
    finally:
        other.close()


def test_editing_an_approved_claim_returns_it_to_draft(ws, doc):
    s, e = span(doc, "Defenders patch in weeks")
    claim = ws.add_claim(doc.id, s, e, "Patching takes weeks").created
    ws.db.execute("UPDATE annotations SET status = 'approved' WHERE id = ?", [claim])
    ws.db.conn.commit()
    ws.edit_claim(claim, confidence="high")
    assert ws.annotation(claim).status == "draft"


def test_tags_rename_merge_colour_and_untag(ws, doc):
    s, e = span(doc, "Defenders patch in weeks")
    a = ws.add_note(doc.id, s, e, tags=["capabilty/vuln-discovery", "policy"]).created
    s2, e2 = span(doc, "Vendor says")
    b = ws.add_note(doc.id, s2, e2, tags=["capability/exploitation"]).created
    ws.rename_tag("capabilty", "capability")
    assert ws.annotation(a).tags == ["capability/vuln-discovery", "policy"]
    assert "capabilty" not in {t["name"] for t in ws.tags()}
    assert [h.id for h in ws.search("tag:capability/vuln-discovery")] == [a]
    ws.merge_tags("capability/exploitation", "capability/vuln-discovery")
    assert ws.annotation(b).tags == ["capability/vuln-discovery"]
    assert {h.id for h in ws.search("tag:capability/vuln-discovery")} == {a, b}
    ws.undo()
    assert ws.annotation(b).tags == ["capability/exploitation"]
    ws.set_tag_colour("policy", "#112233")
    assert ws.annotation(a).colour in ("#112233",) or "policy" in ws.annotation(a).tags
    assert {t["name"]: t["colour"] for t in ws.tags()}["policy"] == "#112233"
    with pytest.raises(AnnotationError, match="#rrggbb"):
        ws.set_tag_colour("policy", "red")
    ws.untag_annotation(a, ["policy"])
    assert ws.annotation(a).tags == ["capability/vuln-discovery"]
    assert tag_id("Policy ") == tag_id("policy") and normalise_tag(" A / B ") == "a/b"


def test_a_deleted_tag_leaves_every_annotation_in_one_undo_step(ws, doc):
    s, e = span(doc, "Defenders patch in weeks")
    a = ws.add_note(doc.id, s, e, tags=["actor/state/ministry", "policy"]).created
    s2, e2 = span(doc, "Vendor says")
    b = ws.add_claim(doc.id, s2, e2, "x", tags=["actor/state"]).created
    assert {h.id for h in ws.search("tag:actor/*", highlight=None)} == {a, b}
    changes = ws.delete_tag("Actor ")
    assert changes.undo_label == "Delete tag actor"
    assert ws.annotation(a).tags == ["policy"] and ws.annotation(b).tags == []
    assert {t["name"] for t in ws.tags()} == {"policy"}
    assert ws.search("tag:actor/*", highlight=None) == []
    with pytest.raises(NotFound):
        ws.delete_tag("actor")
    ws.undo()
    assert ws.annotation(a).tags == ["actor/state/ministry", "policy"]
    assert ws.annotation(b).tags == ["actor/state"]
    assert {h.id for h in ws.search("tag:actor/*", highlight=None)} == {a, b}


def test_only_a_supervisor_changes_a_tag_other_analysts_use(ws, doc, tmp_path):
    s, e = span(doc, "Defenders patch in weeks")
    mine = ws.add_note(doc.id, s, e, tags=["actor/state"]).created
    ws.close()
    ben = Profile(
        id="55555555-5555-4555-8555-555555555555",
        name="Ben Analyst",
        role="analyst",
        configured=True,
    )
    as_ben = Workspace.open(tmp_path / "ws", profile=ben)
    s2, e2 = span(doc, "Vendor says")
    theirs = as_ben.add_note(doc.id, s2, e2, tags=["actor/state", "solo"]).created
    for action in (
        lambda: as_ben.delete_tag("actor"),
        lambda: as_ben.rename_tag("actor", "x"),
        lambda: as_ben.merge_tags("actor/state", "solo"),
    ):
        with pytest.raises(PermissionDenied, match="Ada Analyst"):
            action()
    assert as_ben.annotation(mine).tags == ["actor/state"]
    as_ben.rename_tag("solo", "alone")  # only on Ben's own note: his to rename
    assert as_ben.annotation(theirs).tags == ["actor/state", "alone"]
    as_ben.close()
    sam = Profile(
        id="66666666-6666-4666-8666-666666666666", name="Sam", role="supervisor", configured=True
    )
    as_sam = Workspace.open(tmp_path / "ws", profile=sam)
    as_sam.delete_tag("actor")
    assert as_sam.annotation(mine).tags == [] and as_sam.annotation(theirs).tags == ["alone"]
    as_sam.close()


def test_links_between_claims_across_documents(ws, doc):
    other = ws.find_document("Second report")
    s, e = span(doc, "Defenders patch in weeks")
    a = ws.add_claim(doc.id, s, e, "Patching takes weeks").created
    s2, e2 = span(other, "Defenders patch in days, not weeks")
    b = ws.add_claim(other.id, s2, e2, "Patching takes days").created
    note = ws.add_note(doc.id, 0, 5).created
    link = ws.link_claims(a, b, "contradicts", "different samples").created
    [la] = ws.links(a)
    [lb] = ws.links(b)
    assert la.id == lb.id == link
    assert (la.relation, la.other_statement, la.other_document) == (
        "contradicts",
        "Patching takes days",
        "Second report",
    )
    assert lb.other_statement == "Patching takes weeks"
    with pytest.raises(AnnotationError, match="relation|Relation"):
        ws.link_claims(a, b, "likes")
    with pytest.raises(AnnotationError, match="itself"):
        ws.link_claims(a, a, "refines")
    with pytest.raises(AnnotationError, match="two claims"):
        ws.link_claims(a, note, "refines")
    ws.unlink(link)
    assert ws.links(a) == []
    ws.undo()
    assert [x.id for x in ws.links(a)] == [link]


def test_claim_filters(ws, doc):
    s, e = span(doc, "Defenders patch in weeks")
    a = ws.add_claim(doc.id, s, e, "x", likelihood="likely", tags=["actor/state"]).created
    ws.add_note(doc.id, 0, 4)
    assert [c.id for c in ws.claims()] == [a]
    assert [c.id for c in ws.claims(tag="actor")] == [a]
    assert ws.claims(tag="policy") == []
    assert [c.id for c in ws.claims(likelihood="probable")] == [a]
    assert [c.id for c in ws.claims(analyst="Ada Analyst", status="draft")] == [a]
    assert len(ws.claims(kind=None)) == 2
    assert ws.annotation_counts([doc.id]) == {doc.id: 2}


def test_annotations_survive_reindex_and_reopen(ws, doc, analyst):
    s, e = span(doc, "Defenders patch in weeks")
    a = ws.add_claim(doc.id, s, e, "Patching takes weeks", tags=["policy"]).created
    ws.reindex()
    assert [h.id for h in ws.search("tag:policy")] == [a]
    path = ws.path
    ws.close()
    again = Workspace.open(path, profile=analyst)
    try:
        assert [h.id for h in again.search("statement:patching")] == [a]
        assert again.check().ok
    finally:
        again.close()


def test_documents_imported_inside_a_batch_go_with_it(ws, doc, tmp_path):
    """A failed batch takes back the documents it imported (rows, bytes, audit); a batch
    inside a batch is part of it; the index learns of the documents only once all is kept."""
    files = write_texts(tmp_path / "more", {"memo.txt": "Memo\n\nThe quartermaster ledger."})
    blobs = ws.path / "blobs" / "sha256"

    def stored() -> list[Path]:
        return sorted(f for f in blobs.rglob("*") if f.is_file())

    before_docs, before_blobs = ws.count_documents(), stored()
    audit_before = ws.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(WorkspaceError, match="stop"), ws.batch("Import and annotate"):
        report = ws.import_paths(files)
        memo = report.imported[0]
        assert ws.document(memo).title == "Memo"  # visible inside the transaction
        with ws.batch("inner"):  # nested: a savepoint of the outer batch
            ws.add_note(memo, 0, 4, comment="x")
        assert ws.search("quartermaster") == []  # nothing committed yet, nothing indexed
        raise WorkspaceError("stop")
    assert ws.count_documents() == before_docs
    assert stored() == before_blobs  # the memo's bytes were removed again
    assert ws.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    assert ws.verify_audit().ok and not (ws.path / "import.journal").exists()
    assert ws.search("quartermaster") == [] and ws.pending_index() == 0
    with ws.batch("Import and annotate"):
        memo = ws.import_paths(files).imported[0]
        ws.add_note(memo, 0, 4, comment="kept")
    assert ws.undo_label() == "Import and annotate"
    assert [h.doc_id for h in ws.search("quartermaster")] == [memo]
    # a failed step inside a batch that goes on: its document, bytes and changes all go
    extra = write_texts(tmp_path / "extra", {"ledger.txt": "Ledger\n\nSecond quarter."})
    with ws.batch("Partly") as changes:
        with pytest.raises(WorkspaceError), ws.batch("inner"):
            ledger = ws.import_paths(extra).imported[0]
            raise WorkspaceError("stop")
        ws.add_note(memo, 0, 4, comment="kept too")
    assert ledger not in changes.documents and memo in changes.documents
    assert ws.check().ok, ws.check().problems  # no orphan blob of the ledger
    assert sorted(a.comment for a in ws.annotations(memo)) == ["kept", "kept too"]
    assert not (ws.path / "import.journal").exists()


def test_documents_filtered_by_tag_and_claims(ws, doc):
    other = ws.find_document("Second report")
    s, e = span(doc, "Defenders patch in weeks")
    ws.add_claim(doc.id, s, e, "x", tags=["actor/state"])
    ws.add_note(other.id, 0, 6, tags=["policy"])
    assert ws.document_ids(has_claims=True) == [doc.id]
    assert ws.document_ids(tag="actor") == [doc.id]
    assert ws.document_ids(tag="actor/state") == [doc.id]
    assert ws.document_ids(tag="policy") == [other.id]
    assert ws.document_ids(tag="policy", has_claims=True) == []
    assert ws.document_ids(tag="actor/other") == []


def test_a_batch_is_one_undo_step_and_all_or_nothing(ws, doc):
    s1, e1 = span(doc, "AI agents now exploit bugs")
    s2, e2 = span(doc, "Defenders patch in weeks")
    label = ws.undo_label()
    with ws.batch("Two claims") as changes:
        a = ws.add_claim(doc.id, s1, e1, "Agents exploit bugs", tags=["capability"]).created
        b = ws.add_claim(doc.id, s2, e2, "Patching is slow").created
        with pytest.raises(AnnotationError):  # a failed step inside leaves nothing behind
            ws.link_claims(a, a, "refines")
        ws.link_claims(a, b, "contradicts")
    assert {a, b} <= changes.annotations and changes.undo_label == "Two claims"
    assert [h.id for h in ws.search("statement:agents")] == [a]  # indexed once, after
    assert ws.undo_label() == "Two claims"
    ws.undo()
    assert ws.annotations(doc.id) == [] and ws.undo_label() == label
    ws.redo()
    assert {x.id for x in ws.annotations(doc.id)} == {a, b} and len(ws.links(a)) == 1
    # an error that leaves the block undoes all of it
    before = [(x.id, x.statement) for x in ws.annotations(doc.id)]
    with pytest.raises(RuntimeError), ws.batch("Doomed"):
        ws.edit_claim(a, statement="changed")
        ws.add_note(doc.id, s1, e1, comment="lost")
        raise RuntimeError("stop")
    assert [(x.id, x.statement) for x in ws.annotations(doc.id)] == before
    assert ws.undo_label() == "Two claims"
    # a step that fails after writing (and auditing) leaves nothing, and the batch goes on
    with ws.batch("Partly failed"):
        with pytest.raises(AnnotationError), ws.session.action("Half") as tx:
            tx.update("annotations", (a,), {"comment": "half-written"})
            tx.audit("edit", "annotation", a, {"comment": "half-written"})
            raise AnnotationError("stop")
        ws.tag_annotation(b, ["kept"])
    assert ws.annotation(a).comment == "" and ws.annotation(b).tags == ["kept"]
    assert ws.verify_audit().ok  # the chain's head followed the rolled-back savepoint
    ws.undo()
    assert ws.annotation(b).tags == []

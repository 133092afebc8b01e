"""Undo is exact: every public writing action, undone, leaves the whole store as it was; redone,
as the action left it. Cases that fail today are strict xfails naming what is left behind."""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import fields
from pathlib import Path

import pytest

from desktop.core.exports import export
from desktop.core.kernel.changes import Changes
from desktop.core.kernel.records import Person
from desktop.core.workspace import Workspace

from .store_digest import diff, store_digest
from .test_bundles_helpers import ADA, BEN, SAM, span, trust, workstation
from .test_exports_common import (
    DESK,
    SUPERVISOR,
    fresh_workspace_with_same_documents,
    phrase,
    workspace_copy,
)

STAMP = "2025-04-01T10:00:00.000000Z"


# -- worlds an action starts from ----------------------------------------------------------------
def team(tmp_path: Path, stack: contextlib.ExitStack):
    """Ada's workspace: three documents (CLEAR, AMBER, RED), rated claims c1–c4, a note n1,
    nested tags, links l1–l3 and reviewed claims (c1 approved, c2 changes requested, c3
    rejected; c4 a draft)."""
    ws, ids = workspace_copy(tmp_path)
    stack.callback(ws.close)
    return ws, ids


def submitted(tmp_path, stack):
    """Ada has submitted c4; Sam the supervisor is at the keyboard."""
    ws, ids = team(tmp_path, stack)
    ws.submit(ids["c4"], "ready: c4")
    ws.switch_analyst(SUPERVISOR)
    return ws, ids


def promoted(tmp_path, stack):
    """As submitted, and Sam has made Ada a supervisor too."""
    ws, ids = submitted(tmp_path, stack)
    ws.promote_analyst(ADA.id)
    return ws, ids


def removed(tmp_path, stack):
    """Ada removed the exploits report (with c1, c2, n1, their tags and links)."""
    ws, ids = team(tmp_path, stack)
    ws.remove_document(ids["exploits"])
    ids["exploits_file"] = tmp_path / "in" / "exploits.txt"
    return ws, ids


def unlinked(tmp_path, stack):
    """Ada removed link l1 (c1 corroborates c2)."""
    ws, ids = team(tmp_path, stack)
    ws.unlink(ids["l1"])
    return ws, ids


def new_file(tmp_path, stack):
    ws, ids = team(tmp_path, stack)
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "delta.txt").write_text("Delta memo\n\nShipments resumed in May.", encoding="utf-8")
    ids["file"] = folder / "delta.txt"
    return ws, ids


def other_desk(tmp_path, stack):
    """Kofi (a supervisor on another workstation) holds the same documents, none of the work."""
    ws, ids = team(tmp_path, stack)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    stack.callback(other.close)
    ids["from"] = ws
    return other, ids


def other_desk_with_file(fmt: str, suffix: str):
    def setup(tmp_path, stack):
        other, ids = other_desk(tmp_path, stack)
        ids["file"] = tmp_path / f"work{suffix}"
        export(ids["from"], fmt, ids["file"])
        return other, ids

    return setup


def imported_claim(tmp_path, stack):
    """Kofi brought in Ada's claim from a file (a draft here, Ada on the roster)."""
    other, ids = other_desk(tmp_path, stack)
    s, e = phrase(other, ids["red"], "The RED-only claim")
    ids["imported"] = other.add_imported(
        ids["red"],
        s,
        e,
        "claim",
        author=Person(ADA.id, ADA.name),
        source="ada.json",
        created_at=STAMP,
        statement="informants say so",
    ).created
    return other, ids


def two_desks(tmp_path, stack):
    """Ada (A) and Ben (B) with the same documents; each trusts the other's key; A has work
    and has exported it to a.assay."""
    a = workstation(tmp_path, "a", ADA)
    stack.callback(a.close)
    b = workstation(tmp_path, "b", BEN)
    stack.callback(b.close)
    trust(b, a, tmp_path)
    trust(a, b, tmp_path)
    doc, s, e = span(a, "Alpha", "A comparable tool will definitely emerge")
    claim = a.add_claim(
        doc, s, e, "A tool will emerge", credibility=3, tags=["capability/exploit"]
    ).created
    a.add_note(*span(a, "Beta", "domestic accelerators"), comment="check 2028")
    a.submit(claim, "ready")
    a.export_bundle(tmp_path / "a.assay")
    return b, {"a": a, "bundle": tmp_path / "a.assay", "claim": claim}


def untrusted(tmp_path, stack):
    """Ben holds Ada's public key file but has not trusted it yet."""
    a = workstation(tmp_path, "a", ADA)
    stack.callback(a.close)
    b = workstation(tmp_path, "b", BEN)
    stack.callback(b.close)
    b.set_source("Halvorsen Institute")  # B has written (and registered) before the case
    key = tmp_path / "ada.key.json"
    info = a.export_public_key(key)
    return b, {"key": key, "fingerprint": info.fingerprint}


def conflicted(tmp_path, stack):
    """A and B both retitled Alpha; A imported B's bundle (B's title won, A's kept as a
    conflict); Sam the supervisor is at A's keyboard."""
    b, ctx = two_desks(tmp_path, stack)
    a = ctx["a"]
    doc = a.find_document("Alpha").id
    a.update_document(doc, title="Alpha (A's title)")
    b.update_document(doc, title="Alpha (B's title)")
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    a.switch_analyst(SAM)
    (conflict,) = a.conflicts()
    return a, {"conflict": conflict.id}


def judged(tmp_path, stack):
    """Ada's judgement j1 rests on c1 and c3 (supporting) and c2 (weakening), a draft."""
    ws, ids = team(tmp_path, stack)
    ids["j1"] = ws.add_judgement(
        "AI tools shorten the time to exploit.",
        likelihood="likely",
        confidence="moderate",
        supporting=[ids["c1"], ids["c3"]],
        weakening=[ids["c2"]],
        reason="three claims",
    ).created
    return ws, ids


def judgement_submitted(tmp_path, stack):
    """Ada has submitted j1; Sam the supervisor is at the keyboard."""
    ws, ids = judged(tmp_path, stack)
    ws.submit_judgement(ids["j1"], "ready: j1")
    ws.switch_analyst(SUPERVISOR)
    return ws, ids


def with_matrix(tmp_path, stack):
    """Ada's ACH matrix: a question, hypotheses h1 and h2, claims c1 and c2 as rows, c1 rated I
    against h1."""
    ws, ids = team(tmp_path, stack)
    ids["m"] = ws.create_matrix("Who wrote the exploits?").created
    ids["h1"] = ws.add_hypothesis(ids["m"], "A lab's agent").created
    ids["h2"] = ws.add_hypothesis(ids["m"], "A state team").created
    ws.add_matrix_evidence(ids["m"], [ids["c1"], ids["c2"]])
    ws.rate_cell(ids["m"], ids["h1"], ids["c1"], "I")
    return ws, ids


def matrix_evidence_removed(tmp_path, stack):
    """The matrix with row c2 taken out again."""
    ws, ids = with_matrix(tmp_path, stack)
    ws.remove_matrix_evidence(ids["m"], ids["c2"])
    return ws, ids


# -- actions -------------------------------------------------------------------------------------
def add_note(ws, ids):
    ws.add_note(
        ids["controls"],
        *phrase(ws, ids["controls"], "Analysts doubt the yield"),
        comment="which analysts?",
        tags=["actor"],
    )


def add_claim(ws, ids):
    ws.add_claim(
        ids["controls"],
        *phrase(ws, ids["controls"], "Transshipment"),
        "Transshipment continues.",
        credibility=2,
        likelihood="likely",
        confidence="moderate",
        tags=["supply chain/transshipment"],
    )


def batch(ws, ids):
    with ws.batch("Several edits"):
        ws.edit_claim(ids["c4"], credibility=4)
        ws.untag_annotation(ids["c1"], ["actor"])
        ws.set_source("Halvorsen Institute", reliability="A")


def import_file(module: str, name: str):
    def act(ws, ids):
        import importlib

        getattr(importlib.import_module(f"desktop.core.imports.{module}"), name)(ws, ids["file"])

    return act


# One row per user action: (name, the world it starts from, the action).
ACTIONS = [
    ("promote_analyst", submitted, lambda ws, c: ws.promote_analyst(ADA.id)),
    ("demote_analyst", promoted, lambda ws, c: ws.demote_analyst(ADA.id)),
    ("import_paths", new_file, lambda ws, c: ws.import_paths([c["file"]])),
    (
        "import_paths: a removed document again",
        removed,
        lambda ws, c: ws.import_paths([c["exploits_file"]]),
    ),
    (
        "set_source: new",
        team,
        lambda ws, c: ws.set_source("Northwind Wire", kind="outlet", reliability="B"),
    ),
    (
        "set_source: re-rate",
        team,
        lambda ws, c: ws.set_source("The Meridian Ledger", reliability="A"),
    ),
    (
        "edit_sources",
        team,
        lambda ws, c: ws.edit_sources(
            {
                "Halvorsen Institute": {"reliability": "D", "kind": "vendor"},
                "The Meridian Ledger": {"reliability": "E"},
            }
        ),
    ),
    (
        "update_document",
        team,
        lambda ws, c: ws.update_document(
            c["exploits"], title="Exploits in hours", marking="AMBER", language="en-gb"
        ),
    ),
    (
        "update_document: new source",
        team,
        lambda ws, c: ws.update_document(c["red"], source="Northwind Wire"),
    ),
    (
        "update_document: rate its source",
        team,
        lambda ws, c: ws.update_document(c["controls"], source_reliability="E"),
    ),
    (
        "update_documents",
        team,
        lambda ws, c: ws.update_documents([c["exploits"], c["controls"]], marking="RED"),
    ),
    ("remove_document", team, lambda ws, c: ws.remove_document(c["exploits"])),
    ("remove_documents", team, lambda ws, c: ws.remove_documents([c["controls"], c["red"]])),
    ("restore_document", removed, lambda ws, c: ws.restore_document(c["exploits"])),
    (
        "keep_import_time",
        team,
        lambda ws, c: ws.keep_import_time(c["exploits"], "2024-01-02T03:04:05.000000Z"),
    ),
    ("add_note", team, add_note),
    ("add_claim", team, add_claim),
    (
        "add_imported",
        other_desk,
        lambda ws, c: ws.add_imported(
            c["red"],
            *phrase(ws, c["red"], "The RED-only claim"),
            "claim",
            author=Person(ADA.id, ADA.name),
            source="ada.json",
            created_at=STAMP,
            statement="informants say so",
        ),
    ),
    (
        "add_imported_review",
        imported_claim,
        lambda ws, c: ws.add_imported_review(
            c["imported"],
            "submit",
            reviewer=Person(ADA.id, ADA.name),
            source="ada.json",
            created_at="2025-04-01T11:00:00.000000Z",
        ),
    ),
    (
        "edit_claim",
        team,
        lambda ws, c: ws.edit_claim(c["c4"], credibility=4, likelihood="likely", rationale="why"),
    ),
    (
        "edit_claim: a reviewed claim",
        team,
        lambda ws, c: ws.edit_claim(c["c1"], statement="An AI agent exploited 11 of 20."),
    ),
    ("edit_claim: comment", team, lambda ws, c: ws.edit_claim(c["c4"], comment="see memo")),
    ("convert_to_claim", team, lambda ws, c: ws.convert_to_claim(c["n1"], "Patching lags.")),
    ("delete_annotation", team, lambda ws, c: ws.delete_annotation(c["c4"])),
    (
        "tag_annotation",
        team,
        lambda ws, c: ws.tag_annotation(c["c4"], ["actor/state", "policy/patching"]),
    ),
    ("untag_annotation", team, lambda ws, c: ws.untag_annotation(c["c1"], ["actor"])),
    ("create_tag", team, lambda ws, c: ws.create_tag("region/europe", "#335577")),
    ("set_tag_colour", team, lambda ws, c: ws.set_tag_colour("actor", "#123456")),
    ("rename_tag", team, lambda ws, c: ws.rename_tag("capability", "ability")),
    ("merge_tags", team, lambda ws, c: ws.merge_tags("capability/vuln discovery", "capability")),
    ("delete_tag", team, lambda ws, c: ws.delete_tag("policy")),
    ("link_claims", team, lambda ws, c: ws.link_claims(c["c2"], c["c3"], "contradicts", "no")),
    (
        "link_claims: again after unlink",
        unlinked,
        lambda ws, c: ws.link_claims(c["c1"], c["c2"], "corroborates", "again"),
    ),
    ("unlink", team, lambda ws, c: ws.unlink(c["l1"])),
    ("submit", team, lambda ws, c: ws.submit(c["c4"], "ready: c4")),
    ("submit: after changes requested", team, lambda ws, c: ws.submit(c["c2"], "named them")),
    ("submit_document", team, lambda ws, c: ws.submit_document(c["red"], "all of red")),
    ("review: approve", submitted, lambda ws, c: ws.review(c["c4"], "approve", "fine")),
    ("review: reject", submitted, lambda ws, c: ws.review(c["c4"], "reject", "no source")),
    (
        "review: request_changes",
        submitted,
        lambda ws, c: ws.review(c["c4"], "request_changes", "name the informant"),
    ),
    ("batch", team, batch),
    # key judgements
    (
        "add_judgement",
        team,
        lambda ws, c: ws.add_judgement(
            "Exports will resume.",
            likelihood="unlikely",
            confidence="low",
            marking="AMBER",
            supporting=[c["c3"]],
            weakening=[c["c4"]],
            reason="one source",
        ),
    ),
    (
        "edit_judgement",
        judged,
        lambda ws, c: ws.edit_judgement(
            c["j1"],
            reason="new claim",
            likelihood="very_likely",
            statement="AI tools cut the time to exploit.",
            supporting=[c["c4"], c["c2"]],
            remove=[c["c3"]],
        ),
    ),
    ("delete_judgement", judged, lambda ws, c: ws.delete_judgement(c["j1"])),
    ("submit_judgement", judged, lambda ws, c: ws.submit_judgement(c["j1"], "ready")),
    (
        "review_judgement: approve",
        judgement_submitted,
        lambda ws, c: ws.review_judgement(c["j1"], "approve"),
    ),
    (
        "review_judgement: request_changes",
        judgement_submitted,
        lambda ws, c: ws.review_judgement(c["j1"], "request_changes", "cite c4"),
    ),
    ("import STIX", other_desk_with_file("stix", ".json"), import_file("stix", "import_stix")),
    (
        "import Web Annotation",
        other_desk_with_file("webanno", ".jsonld"),
        import_file("webanno", "import_webanno"),
    ),
    (
        "import REFI-QDA",
        other_desk_with_file("refiqda", ".qdpx"),
        import_file("refiqda", "import_refiqda"),
    ),
    ("resolve_conflict", conflicted, lambda ws, c: ws.resolve_conflict(c["conflict"], "local")),
    ("trust_key", untrusted, lambda ws, c: ws.trust_key(c["key"], c["fingerprint"])),
    ("revoke_key", two_desks, lambda ws, c: ws.revoke_key(c["a"].my_key().fingerprint)),
    # analysis of competing hypotheses
    ("create_matrix", team, lambda ws, c: ws.create_matrix("Is it hype?", marking="AMBER")),
    ("rename_matrix", with_matrix, lambda ws, c: ws.rename_matrix(c["m"], "Who built it?")),
    ("delete_matrix", with_matrix, lambda ws, c: ws.delete_matrix(c["m"])),
    ("add_hypothesis", with_matrix, lambda ws, c: ws.add_hypothesis(c["m"], "Hype")),
    ("edit_hypothesis", with_matrix, lambda ws, c: ws.edit_hypothesis(c["h2"], "A contractor")),
    ("remove_hypothesis", with_matrix, lambda ws, c: ws.remove_hypothesis(c["h1"])),
    (
        "add_matrix_evidence",
        with_matrix,
        lambda ws, c: ws.add_matrix_evidence(c["m"], [c["c3"], c["c4"]]),
    ),
    (
        "add_matrix_evidence: a removed row again",
        matrix_evidence_removed,
        lambda ws, c: ws.add_matrix_evidence(c["m"], [c["c2"]]),
    ),
    (
        "remove_matrix_evidence",
        with_matrix,
        lambda ws, c: ws.remove_matrix_evidence(c["m"], c["c1"]),
    ),
    ("rate_cell: new", with_matrix, lambda ws, c: ws.rate_cell(c["m"], c["h2"], c["c2"], "CC")),
    ("rate_cell: change", with_matrix, lambda ws, c: ws.rate_cell(c["m"], c["h1"], c["c1"], "II")),
    ("rate_cell: clear", with_matrix, lambda ws, c: ws.rate_cell(c["m"], c["h1"], c["c1"], None)),
]

# What each case leaves behind today (strict: a fixed case fails until its line goes).
XFAIL: dict[str, str] = {  # none left: every action undoes exactly
}

# Public methods that only read.
READ_ONLY = [
    # the claim graph and the timeline
    "claim_graph",
    "graph_layout",
    "timeline",
    "agreement",
    "analysts",
    "annotation",
    "annotation_choices",
    "annotation_counts",
    "annotation_ids",
    "annotations",
    "annotations_by_ids",
    "blob_path",
    "bundles_sent",
    "check",
    "claims",
    "conflicts",
    "count_annotations",
    "count_documents",
    "document",
    "document_ids",
    "document_properties",
    "document_summaries",
    "find_document",
    "history",
    "judgement",
    "judgement_history",
    "judgement_reviews",
    "judgements",
    "keys",
    "languages",
    "last_review",
    "last_reviews",
    "links",
    "list_documents",
    "matrices",
    "matrix",
    "matrix_sensitivity",
    "my_key",
    "pending_index",
    "preview_bundle",
    "quarantined",
    "redo_label",
    "removed_documents",
    "returned_to_me",
    "review_queue",
    "review_queue_choices",
    "review_queue_ids",
    "reviews",
    "needs_passphrase",
    "schema_history",
    "search",
    "show_bundle",
    "sources",
    "tags",
    "tradecraft",
    "undo_label",
    "unsaved",
    "verify_audit",
    "verify_bundle",
    "work_on",
]

# Public methods that write but are no undo step, and why.
NOT_UNDOABLE = {
    "create": "makes a new workspace folder",
    "open": "opens a workspace folder",
    "close": "closes the session",
    "backup": "copies the store to another folder; this one is unchanged",
    "reindex": "rebuilds the derived search index from the store",
    "index_pending": "drains the derived index queue",
    "deferred_indexing": "a context manager around actions, not an action",
    "undo": "the undo path itself",
    "redo": "the undo path itself",
    "export_bundle": "the file has left; bundles_sent, sync_state and meta record what was sent",
    "import_bundle": "merges colleagues' signed work, which is theirs, not a step of the analyst"
    " at the keyboard to take back (a supervisor resolves what conflicts); the undo history"
    " starts afresh after it",
    "export_public_key": "writes a key file, not the store",
    "keep_unsaved": "keeps a form's unsaved edits beside the store, not in it",
    "drop_unsaved": "drops a form's unsaved edits beside the store, not in it",
    "switch_analyst": "changes who is at the keyboard; their undo history starts afresh",
}
# The Workspace methods the cases exercise: a case is named after its method, with ": …" for
# a variant ("review: approve"); cases of module functions ("import STIX") hold a space.
CASE_METHODS = {name.split(":")[0] for name, _setup, _action in ACTIONS}


def cases():
    for name, setup, action in ACTIONS:
        marks = ()
        if name in XFAIL:
            marks = pytest.mark.xfail(strict=True, raises=AssertionError, reason=XFAIL[name])
        yield pytest.param(setup, action, id=name, marks=marks)


@pytest.mark.parametrize(("setup", "action"), list(cases()))
def test_undo_restores_the_whole_store_and_redo_repeats_it(setup, action, tmp_path, request):
    name = request.node.callspec.id
    with contextlib.ExitStack() as stack:
        ws, ctx = setup(tmp_path, stack)
        ws.session.undo_stack.clear()  # only the action is to be undone
        before = store_digest(ws)
        action(ws, ctx)
        after = store_digest(ws)
        changed = after != before
        assert changed, f"{name} changed nothing in the store: not a real case"
        assert ws.undo_label() is not None, (
            f"{name} left no undo step; it wrote:\n{diff(before, after)}"
        )
        ws.undo()
        undone = store_digest(ws)
        exact = undone == before
        assert exact, f"undo after {name} left the store changed:\n{diff(before, undone)}"
        ws.redo()
        redone = store_digest(ws)
        repeated = redone == after
        assert repeated, f"redo of {name} differs from the action:\n{diff(after, redone)}"


def test_every_public_method_is_classified():
    """A new method on the facade must say whether it writes, and if so how it is undone."""
    methods = sorted(
        n
        for n, v in inspect.getmembers(Workspace)
        if not n.startswith("_") and (inspect.isfunction(v) or inspect.ismethod(v))
    )
    classified = CASE_METHODS | set(READ_ONLY) | set(NOT_UNDOABLE)
    missing = [n for n in methods if n not in classified]
    assert not missing, (
        f"Workspace methods not classified in tests/test_undo_exact.py: {', '.join(missing)}; "
        "add each to ACTIONS (with a case), READ_ONLY or NOT_UNDOABLE (with a reason)."
    )
    twice = (
        (CASE_METHODS & set(READ_ONLY))
        | (CASE_METHODS & set(NOT_UNDOABLE))
        | (set(READ_ONLY) & set(NOT_UNDOABLE))
    )
    assert not twice, f"classified twice: {', '.join(sorted(twice))}"
    gone = sorted((set(READ_ONLY) | set(NOT_UNDOABLE)) - set(methods))
    assert not gone, f"classified but no longer on Workspace: {', '.join(gone)}"
    non_methods = sorted(n for n in CASE_METHODS if n not in methods and " " not in n)
    assert non_methods == [], f"cases named after no Workspace method: {non_methods}"


def test_changes_with_only_reviews_is_truthy():
    names = {f.name for f in fields(Changes)}
    assert "reviews" in names
    assert not Changes()
    assert Changes(reviews={"r1"})


def test_the_test_run_writes_nothing_into_the_real_user_folders(demo_template, private_user_dirs):
    """The session-scoped demo template is built before any per-test fixture runs; its
    builder's signing key must still land in the run's private profile, never in the user's
    ~/.config/assay/keys (or wherever platformdirs puts it on this system)."""
    from desktop.core.kernel.keys import key_path
    from desktop.core.kernel.profile import profile_dir

    from .conftest import REAL_USER_DIRS, REAL_USER_FILES_AT_START, user_dir_files

    builder = Workspace.open(demo_template, readonly=True)
    try:
        builder_ids = [a["id"] for a in builder.analysts()]
    finally:
        builder.close()
    assert builder_ids, "the demo template registered no analyst"
    # only what this run itself would write is checked: other assay processes on a shared
    # machine (a screenshot tool, a colleague's shell) may write into the real folders too
    changed = {p for p, t in user_dir_files().items() if REAL_USER_FILES_AT_START.get(p) != t}
    for analyst_id in builder_ids:
        assert key_path(analyst_id, private_user_dirs / "profile").exists()
        mine = [p for p in changed if analyst_id in p]
        assert not mine, f"the test run wrote into the real user folders: {mine}"
    for real in REAL_USER_DIRS:
        assert not profile_dir().resolve().is_relative_to(real.resolve())
        assert not private_user_dirs.resolve().is_relative_to(real.resolve())

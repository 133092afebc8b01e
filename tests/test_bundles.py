"""Signed bundles: export, verify, preview, import, selection, ceiling, keys, conflicts, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core import exchange as bundles
from desktop.core.exchange import state_digest
from desktop.core.kernel.errors import (
    AssayError,
    BundleCancelled,
    BundleError,
    KeyProblem,
    PermissionDenied,
)
from desktop.core.kernel.hlc import HybridClock
from desktop.core.workspace import Cancel, Workspace

from .test_bundles_helpers import (
    ADA,
    BEN,
    CAROL,
    SAM,
    members,
    snapshot,
    span,
    trust,
    workstation,
)

TRAVELLING = {
    "sources": "id",
    "documents": "id",
    "annotations": "id",
    "claims": "annotation_id",
    "tags": "id",
    "annotation_tags": "annotation_id, tag_id",
    "links": "id",
    "reviews": "id",
}


@pytest.fixture
def pair(tmp_path):
    a = workstation(tmp_path, "a", ADA)
    b = workstation(tmp_path, "b", BEN)
    trust(b, a, tmp_path)
    trust(a, b, tmp_path)
    yield a, b
    a.close()
    b.close()


def claim(ws, title, phrase, statement="", **kw) -> str:
    doc, start, end = span(ws, title, phrase)
    return ws.add_claim(doc, start, end, statement or phrase, **kw).created


def exchange(src, dst, path: Path):
    src.export_bundle(path)
    return dst.import_bundle(path)


def rows(ws, table: str) -> list[dict]:
    from db import store

    return store.rows(ws.db, f"SELECT * FROM {table} ORDER BY {TRAVELLING[table]}")


# -- the basic round --------------------------------------------------------------------------
def test_export_verify_preview_import_reimport(pair, tmp_path):
    a, b = pair
    c1 = claim(
        a,
        "Alpha",
        "A comparable tool will definitely emerge",
        credibility=3,
        likelihood="unlikely",
        confidence="low",
        tags=["capability/exploit"],
    )
    a.add_note(*span(a, "Beta", "domestic accelerators"), comment="check the 2028 date")
    info = a.export_bundle(tmp_path / "a.assay", progress=lambda *x: None)
    assert info.counts["annotations"] == 2 and info.counts["blobs"] == 3
    assert not list(tmp_path.glob(".a.assay.*"))  # the temporary file was renamed away

    verified = b.verify_bundle(tmp_path / "a.assay")
    assert verified.bundle_id == info.bundle_id and verified.signer_name == "Ada Analyst"
    assert verified.fingerprint == a.my_key().fingerprint
    assert verified.counts == info.counts

    before = snapshot(b)
    preview = b.preview_bundle(tmp_path / "a.assay")
    assert snapshot(b) == before  # a preview changes nothing
    assert preview.counts["annotations"].new == 2 and preview.counts["claims"].new == 1
    assert preview.counts["documents"].unchanged == 3  # same files: same document ids

    result = b.import_bundle(tmp_path / "a.assay")
    assert {k: (c.new, c.updated) for k, c in result.counts.items()} == {
        k: (c.new, c.updated) for k, c in preview.counts.items()
    }
    got = b.annotation(c1)
    assert (got.statement, got.credibility, got.likelihood, got.confidence, got.tags) == (
        "A comparable tool will definitely emerge",
        3,
        "unlikely",
        "low",
        ["capability/exploit"],
    )
    assert got.analyst == "Ada Analyst"
    assert [h.id for h in b.search("statement:comparable", highlight=None)] == [c1]
    assert b.check().ok, b.check().problems
    assert b.undo_label() is None  # undo does not reach back across an import

    after = snapshot(b)
    again = b.import_bundle(tmp_path / "a.assay")
    assert again.already_imported and "already imported" in again.summary()
    assert snapshot(b) == after
    assert b.preview_bundle(tmp_path / "a.assay").already_imported


def test_both_directions_converge_and_later_local_edits_win(pair, tmp_path):
    a, b = pair
    ca = claim(a, "Alpha", "Export controls push domestic alternatives", likelihood="likely")
    cb = claim(
        b,
        "Beta",
        "Vendors claim their platform stops nearly every attack",
        credibility=5,
        tags=["vendor"],
    )
    a.export_bundle(tmp_path / "a.assay")
    b.export_bundle(tmp_path / "b.assay")
    a.import_bundle(tmp_path / "b.assay")
    b.import_bundle(tmp_path / "a.assay")
    assert state_digest(a) == state_digest(b)
    assert {x.id for x in a.claims()} == {x.id for x in b.claims()} == {ca, cb}
    # the clock moved past everything that came in, so my next edit beats it
    newest = max(
        r[0] for r in a.db.execute("SELECT hlc FROM annotations UNION ALL SELECT hlc FROM claims")
    )
    b.edit_claim(cb, comment="seen the other claim")
    assert b.db.execute("SELECT hlc FROM annotations WHERE id = ?", [cb]).fetchone()[0] > newest


def test_import_into_a_fresh_workspace_brings_documents_and_blobs(pair, tmp_path):
    a, _b = pair
    claim(a, "Gamma", "split across weekly shipments", credibility=2)
    a.export_bundle(tmp_path / "a.assay")
    fresh = Workspace.create(tmp_path / "fresh", profile=BEN)
    try:
        trust(fresh, a, tmp_path)
        result = fresh.import_bundle(tmp_path / "a.assay")
        assert result.counts["documents"].new == 3
        for d in fresh.list_documents():
            assert (
                fresh.blob_path(d["sha256"]).read_bytes() == a.blob_path(d["sha256"]).read_bytes()
            )
        assert fresh.check().ok, fresh.check().problems
        assert state_digest(fresh) != state_digest(a)  # fresh also holds Ben's analyst row
        fresh.export_bundle(tmp_path / "back.assay")
        a.import_bundle(tmp_path / "back.assay")
        assert state_digest(fresh) == state_digest(a)
    finally:
        fresh.close()


def test_export_is_written_beside_the_target_and_cancel_leaves_nothing(pair, tmp_path):
    a, _b = pair
    cancel = Cancel()
    cancel.set()
    before = snapshot(a)
    with pytest.raises(BundleCancelled):
        a.export_bundle(tmp_path / "x.assay", cancel=cancel)
    assert not (tmp_path / "x.assay").exists()
    assert not list(tmp_path.glob(".x.assay*"))
    assert snapshot(a)["digest"] == before["digest"]
    with pytest.raises(BundleError, match="ceiling"):
        a.export_bundle(tmp_path / "x.assay", ceiling="SECRET")
    with pytest.raises(BundleError, match="folder"):
        a.export_bundle(tmp_path)


def test_cancelled_import_changes_nothing(pair, tmp_path):
    a, b = pair
    claim(a, "Alpha", "AI-enabled tools")
    a.export_bundle(tmp_path / "a.assay")
    cancel = Cancel()
    cancel.set()
    before = snapshot(b)
    with pytest.raises(BundleCancelled):
        b.import_bundle(tmp_path / "a.assay", cancel=cancel)
    assert snapshot(b) == before


# -- selection and ceiling --------------------------------------------------------------------
def test_selection_by_tag_document_analyst_status_and_ceiling(pair, tmp_path):
    a, b = pair
    t1 = claim(a, "Alpha", "AI-enabled tools", tags=["actor/state"])
    t2 = claim(a, "Beta", "domestic accelerators", tags=["policy"])
    t3 = claim(a, "Gamma", "weekly shipments", tags=["actor/criminal"])
    a.submit(t2)
    a.update_document(a.find_document("Gamma").id, marking="RED")

    def ids(path):
        files = members(path.read_bytes())
        return {json.loads(x)["v"]["id"] for x in files["records/annotations.jsonl"].splitlines()}

    a.export_bundle(tmp_path / "tag.assay", tags=["actor"])
    assert ids(tmp_path / "tag.assay") == {t1, t3}
    a.export_bundle(tmp_path / "tag-amber.assay", tags=["actor"], ceiling="AMBER")
    assert ids(tmp_path / "tag-amber.assay") == {t1}
    files = members((tmp_path / "tag-amber.assay").read_bytes())
    assert b"actor/criminal" not in b"".join(files.values())  # nothing from the RED document
    assert b"weekly shipments" not in b"".join(files.values())
    a.export_bundle(tmp_path / "doc.assay", documents=[a.find_document("Beta").id])
    assert ids(tmp_path / "doc.assay") == {t2}
    a.export_bundle(tmp_path / "status.assay", statuses=["submitted"])
    assert ids(tmp_path / "status.assay") == {t2}
    a.export_bundle(tmp_path / "who.assay", analysts=["Ada Analyst"])
    assert ids(tmp_path / "who.assay") == {t1, t2, t3}
    a.export_bundle(tmp_path / "nobody.assay", analysts=["Ben Analyst"])
    assert ids(tmp_path / "nobody.assay") == set()
    a.export_bundle(tmp_path / "future.assay", since="2999-01-01")
    assert ids(tmp_path / "future.assay") == set()
    a.export_bundle(tmp_path / "all-amber.assay", ceiling="AMBER")
    full = members((tmp_path / "all-amber.assay").read_bytes())
    assert ids(tmp_path / "all-amber.assay") == {t1, t2}
    assert json.loads(full["manifest.json"])["counts"]["documents"] == 2
    assert b"actor/criminal" not in full["records/tags.jsonl"]
    # every selective bundle imports cleanly: what it needs travels with it
    for name in ("tag", "tag-amber", "doc", "status", "who", "all-amber"):
        b.import_bundle(tmp_path / f"{name}.assay")
    assert b.check().ok
    assert b.annotation(t3).tags == ["actor/criminal"]


def test_changed_since_the_last_bundle_to_a_team(pair, tmp_path):
    a, b = pair
    old = claim(a, "Alpha", "AI-enabled tools")
    first = a.export_bundle(tmp_path / "t1.assay", changed_since_bundle_to="north")
    assert first.counts["annotations"] == 1
    new = claim(a, "Beta", "domestic accelerators")
    b.export_bundle(tmp_path / "b.assay")
    a.import_bundle(tmp_path / "b.assay")  # what arrived from elsewhere also counts as changed
    second = a.export_bundle(tmp_path / "t2.assay", changed_since_bundle_to="north")
    files = members((tmp_path / "t2.assay").read_bytes())
    anns = {json.loads(x)["v"]["id"] for x in files["records/annotations.jsonl"].splitlines()}
    assert anns == {new} and old not in anns
    assert second.selection["changed_since_bundle"] == first.bundle_id
    # another team has had nothing yet: it gets everything
    other = a.export_bundle(tmp_path / "s1.assay", changed_since_bundle_to="south")
    assert other.counts["annotations"] == 2
    assert [r["team"] for r in a.bundles_sent()] == ["north", "north", "south"]
    b.import_bundle(tmp_path / "t1.assay")
    b.import_bundle(tmp_path / "t2.assay")
    assert {x.id for x in b.claims()} == {old, new}


# -- keys -------------------------------------------------------------------------------------
def test_keys_trust_by_fingerprint_and_revoke(pair, tmp_path):
    a, b = pair
    carol = workstation(tmp_path, "c", CAROL)
    try:
        key = tmp_path / "carol.key"
        info = carol.export_public_key(key)
        doc = json.loads(key.read_text())
        assert doc["name"] == "Carol Outsider" and doc["fingerprint"] == info.fingerprint
        assert set(doc) >= {"name", "analyst_id", "role", "public_key", "fingerprint"}
        carol.export_bundle(tmp_path / "c.assay")
        compact = info.fingerprint.replace(" ", "")
        with pytest.raises(BundleError, match="assay keys trust") as err:
            b.import_bundle(tmp_path / "c.assay")
        assert info.fingerprint in str(err.value) and compact in str(err.value)
        wrong = "0000" + compact[4:]
        with pytest.raises(KeyProblem, match="NOT trusted"):
            b.trust_key(key, wrong)
        with pytest.raises(KeyProblem, match="16 hex"):
            b.trust_key(key, compact[:8])
        # a forged file that claims Carol's fingerprint but carries another key is refused
        forged = dict(
            doc, public_key=json.loads((tmp_path / f"{ADA.id}.key.json").read_text())["public_key"]
        )
        with pytest.raises(KeyProblem, match="does not match"):
            b.trust_key(json.dumps(forged), info.fingerprint)
        assert compact not in {k.fingerprint.replace(" ", "") for k in b.keys()}
        b.trust_key(key, info.fingerprint.lower())
        assert any(k.name == "Carol Outsider" and k.status == "trusted" for k in b.keys())
        assert b.import_bundle(tmp_path / "c.assay").counts["analysts"].new == 1
        b.revoke_key(compact[:16])
        carol.export_bundle(tmp_path / "c2.assay")
        with pytest.raises(BundleError, match="revoked") as err:
            b.verify_bundle(tmp_path / "c2.assay")
        assert info.fingerprint in str(err.value)
        actions = [r[0] for r in b.db.execute("SELECT action FROM audit")]
        assert "trust key" in actions and "revoke key" in actions
        assert [k.mine for k in b.keys() if k.name == "Ben Analyst"] == [True]
    finally:
        carol.close()


# -- conflicts --------------------------------------------------------------------------------
def test_concurrent_edits_keep_the_loser_and_a_supervisor_resolves(pair, tmp_path):
    a, b = pair
    doc = a.find_document("Alpha").id
    a.update_document(doc, title="Alpha (A's title)")
    b.update_document(doc, title="Alpha (B's title)")  # later: wins everywhere
    a.export_bundle(tmp_path / "a1.assay")
    b.export_bundle(tmp_path / "b1.assay")
    ra = a.import_bundle(tmp_path / "b1.assay")
    rb = b.import_bundle(tmp_path / "a1.assay")
    assert ra.counts["documents"].conflicting == 1 and rb.counts["documents"].conflicting == 1
    assert a.document(doc).title == b.document(doc).title == "Alpha (B's title)"
    assert state_digest(a) == state_digest(b)
    (ca,) = a.conflicts()
    assert (ca.field, ca.local_value, ca.remote_value, ca.winner) == (
        "title",
        "Alpha (A's title)",
        "Alpha (B's title)",
        "remote",
    )
    assert ca.local_by == ADA.id and ca.remote_by == BEN.id and ca.label == "Alpha (B's title)"
    (cb,) = b.conflicts()
    assert cb.id == ca.id and cb.winner == "local"
    # only a supervisor resolves, and it is audited and travels
    with pytest.raises(PermissionDenied):
        a.resolve_conflict(ca.id, "local")
    a.switch_analyst(SAM)
    trust(b, a, tmp_path)  # B knows the supervisor's key
    a.resolve_conflict(ca.id[:8], "local")
    assert a.document(doc).title == "Alpha (A's title)"
    assert a.conflicts() == [] and a.conflicts(unresolved_only=False)[0].resolved_by == SAM.id
    assert (
        a.db.execute("SELECT count(*) FROM audit WHERE action = 'resolve conflict'").fetchone()[0]
        == 1
    )
    with pytest.raises(AssayError, match="resolved"):
        a.resolve_conflict(ca.id, "remote")
    a.switch_analyst(ADA)
    a.export_bundle(tmp_path / "a2.assay")
    result = b.import_bundle(tmp_path / "a2.assay")
    assert result.conflicts == 0
    assert b.document(doc).title == "Alpha (A's title)"
    assert b.conflicts() == []  # B's copy of the same conflict is settled by the resolution
    assert b.conflicts(unresolved_only=False)[0].resolved_by == SAM.id
    assert state_digest(a) == state_digest(b)


def test_resolve_with_a_new_value_is_validated(pair, tmp_path):
    a, b = pair
    c = claim(a, "Alpha", "AI-enabled tools", credibility=2)
    exchange(a, b, tmp_path / "a0.assay")
    # the same analyst rates on two workstations: ratings belong to her, both survive
    b.switch_analyst(ADA)
    b.edit_claim(c, credibility=4)
    a.edit_claim(c, credibility=5)
    exchange(a, b, tmp_path / "a1.assay")
    (conflict,) = b.conflicts()
    assert conflict.field == "credibility" and {conflict.local_value, conflict.remote_value} == {
        4,
        5,
    }
    b.switch_analyst(SAM)
    trust(a, b, tmp_path)  # A knows the supervisor's key
    with pytest.raises(AssayError, match="whole number from 1 to 6"):
        b.resolve_conflict(conflict.id, "value", 9)
    b.resolve_conflict(conflict.id, "value", 3)
    assert b.annotation(c).credibility == 3
    b.switch_analyst(BEN)  # bundles are signed by whoever is at the keyboard
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    assert a.annotation(c).credibility == 3
    assert state_digest(a) == state_digest(b)


def test_status_written_with_reviews_converges(pair, tmp_path):
    a, b = pair
    c = claim(a, "Beta", "domestic accelerators will meet demand")
    a.submit(c)
    exchange(a, b, tmp_path / "a0.assay")
    b.switch_analyst(SAM)
    trust(a, b, tmp_path)  # A trusts the supervisor's key too
    b.review(c, "approve")  # the supervisor approves on B …
    a.edit_claim(c, rationale="new source found")  # … while the author edits on A (→ draft)
    a.export_bundle(tmp_path / "a1.assay")
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    b.import_bundle(tmp_path / "a1.assay")
    assert a.annotation(c).status == b.annotation(c).status == "draft"  # the later write
    assert (
        [r.decision for r in a.reviews(c)]
        == [r.decision for r in b.reviews(c)]
        == ["submit", "approve"]
    )
    assert state_digest(a) == state_digest(b)
    assert [x.field for x in a.conflicts()] == ["status"]


def test_future_records_are_quarantined_not_applied(pair, tmp_path):
    a, b = pair
    real = HybridClock()._now_ms
    a.session.clock = HybridClock(a.clock.last, now_ms=lambda: real() + 3 * 24 * 3600 * 1000)
    c = claim(a, "Alpha", "AI-enabled tools")
    a.export_bundle(tmp_path / "a.assay")
    result = b.import_bundle(tmp_path / "a.assay")
    assert result.quarantined == 2 and result.counts["annotations"].quarantined == 1
    assert result.counts["claims"].quarantined == 1
    with pytest.raises(AssayError):
        b.annotation(c)
    held = b.quarantined()
    assert {q["entity"] for q in held} >= {"annotations", "claims"}
    assert any("future" in q["reason"] for q in held)
    assert b.clock.last < a.clock.last  # the local clock did not jump ahead
    assert "quarantined" in result.summary()


# -- a round trip of the sample corpus ---------------------------------------------------------
def test_demo_corpus_round_trip_reproduces_every_field(demo_ws, tmp_path):
    a = demo_ws  # the session's analyst, on a copy of the sample corpus
    docs = a.list_documents()
    made = []
    for i, d in enumerate(docs):
        text = a.document(d["id"]).text
        start = 40 + i
        made.append(
            a.add_claim(
                d["id"],
                start,
                start + 30,
                f"claim {i}",
                credibility=1 + i % 6,
                likelihood=["likely", "unlikely", None][i % 3],
                confidence=["low", "moderate", "high"][i % 3],
                rationale=f"because {i}",
                tags=[f"topic/t{i % 4}", "demo"],
            ).created
        )
        if i % 4 == 0:
            a.add_note(d["id"], 5, 20, comment=f"note {i} {text[5:20]}")
    a.link_claims(made[0], made[1], "contradicts", "they disagree")
    a.link_claims(made[2], made[3], "corroborates")
    a.set_tag_colour("demo", "#123456")
    for c in made[:6]:
        a.submit(c, "please review")
    a.delete_annotation(made[-1])
    a.untag_annotation(made[-2], ["demo"])
    b = Workspace.create(tmp_path / "b", profile=BEN)
    trust(b, a, tmp_path)  # Ada's key: her submissions travel under her seal
    a.switch_analyst(SAM)
    a.review(made[0], "approve")
    a.review(made[1], "reject", "no source")
    a.review(made[2], "request_changes", "cite it")
    try:
        trust(b, a, tmp_path)
        a.export_bundle(tmp_path / "demo.assay")
        b.import_bundle(tmp_path / "demo.assay")
        for table in TRAVELLING:
            assert rows(b, table) == rows(a, table), table
        a_analysts = {r["id"]: r for r in rows_of(a, "analysts")}
        b_analysts = {r["id"]: r for r in rows_of(b, "analysts")}
        assert all(b_analysts[k] == v for k, v in a_analysts.items())
        for d in docs:
            assert b.blob_path(d["sha256"]).read_bytes() == a.blob_path(d["sha256"]).read_bytes()
        assert b.check().ok, b.check().problems
        assert {h.id for h in b.search("statement:claim", limit=100, highlight=None)} == set(
            made[:-1]
        )
        assert b.annotation(made[0]).status == "approved"
        assert [r.comment for r in b.reviews(made[1])] == ["please review", "no source"]
    finally:
        b.close()


def rows_of(ws, table):
    from db import store

    return store.rows(ws.db, f"SELECT * FROM {table}")


# -- command line -----------------------------------------------------------------------------
def cli(*argv) -> int:
    return main([str(a) for a in argv])


def test_cli_bundle_keys_and_conflicts(tmp_path, capsys):
    from desktop.core.kernel.profile import load_profile

    me = load_profile()  # the CLI acts as the profile in ASSAY_PROFILE_DIR
    a = workstation(tmp_path, "a", me)
    b = workstation(tmp_path, "b", me)
    carol = workstation(tmp_path, "c", CAROL)
    doc = a.find_document("Alpha").id
    a.update_document(doc, title="Alpha one")
    b.update_document(doc, title="Alpha two")
    claim(a, "Beta", "domestic accelerators", tags=["policy"])
    carol.export_public_key(tmp_path / "carol.key")
    carol.export_bundle(tmp_path / "carol.assay")
    carol_fp = carol.my_key().fingerprint
    for ws in (a, b, carol):
        ws.close()
    wa, wb = tmp_path / "a", tmp_path / "b"

    assert (
        cli(
            "bundle",
            "export",
            tmp_path / "a.assay",
            "-w",
            wa,
            "--tag",
            "policy",
            "--ceiling",
            "AMBER",
            "--team",
            "north",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "1 annotations" in out and "north" in out
    assert cli("bundle", "verify", tmp_path / "a.assay", "-w", wb) == 0
    assert "OK:" in capsys.readouterr().out
    assert cli("bundle", "show", tmp_path / "a.assay", "-w", wb) == 0
    out = capsys.readouterr().out
    assert "records/annotations.jsonl" in out and "ceiling=AMBER" in out
    assert cli("bundle", "import", tmp_path / "a.assay", "-w", wb, "--preview") == 0
    out = capsys.readouterr().out
    assert "Nothing was changed" in out and "annotations" in out
    assert cli("bundle", "import", tmp_path / "a.assay", "-w", wb) == 0
    assert "1 new" in capsys.readouterr().out
    assert cli("bundle", "import", tmp_path / "a.assay", "-w", wb) == 0
    assert "already imported" in capsys.readouterr().out

    # a stranger's bundle: refused with the fingerprint; trusted once the fingerprint matches
    assert cli("bundle", "import", tmp_path / "carol.assay", "-w", wb) == 1
    err = capsys.readouterr().err
    assert carol_fp in err and "assay keys trust" in err
    assert cli("bundle", "show", tmp_path / "carol.assay", "-w", wb) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out
    assert (
        cli(
            "keys",
            "trust",
            tmp_path / "carol.key",
            "-w",
            wb,
            "--fingerprint",
            "1234567890ABCDEF1234",
        )
        == 1
    )
    assert "NOT trusted" in capsys.readouterr().err
    assert cli("keys", "trust", tmp_path / "carol.key", "-w", wb, "--fingerprint", carol_fp) == 0
    assert cli("keys", "list", "-w", wb) == 0
    assert "Carol Outsider" in capsys.readouterr().out
    assert cli("bundle", "import", tmp_path / "carol.assay", "-w", wb) == 0
    assert cli("keys", "revoke", carol_fp, "-w", wb) == 0
    assert cli("bundle", "verify", tmp_path / "carol.assay", "-w", wb) == 1
    assert "revoked" in capsys.readouterr().err
    assert cli("keys", "export", tmp_path / "me.key", "-w", wb) == 0
    assert json.loads((tmp_path / "me.key").read_text())["analyst_id"] == me.id

    # conflicts: listed, refused for an analyst, resolved by a supervisor
    assert cli("bundle", "export", tmp_path / "b.assay", "-w", wb) == 0
    assert cli("bundle", "import", tmp_path / "b.assay", "-w", wa) == 0
    capsys.readouterr()
    assert cli("conflicts", "list", "-w", wa) == 0
    out = capsys.readouterr().out
    assert "documents.title" in out and "1 conflict(s)" in out
    cid = out.split()[0]
    assert cli("conflicts", "resolve", cid, "-w", wa, "--take", "local") == 1
    assert "supervisor" in capsys.readouterr().err
    me.role = "supervisor"
    me.save()
    assert cli("conflicts", "resolve", cid, "-w", wa) == 1
    assert cli("conflicts", "resolve", cid, "-w", wa, "--value", '"Alpha, agreed"') == 0
    assert cli("conflicts", "list", "-w", wa, "--all", "--json") == 0
    listed = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert listed[0]["resolution"] == "Alpha, agreed"
    with Workspace.open(wa) as ws:
        assert ws.document(doc).title == "Alpha, agreed"


def test_strict_json_loader():
    load = bundles.strict_loads
    assert load(b'{"a":[1,"x",null,true]}', "x") == {"a": [1, "x", None, True]}
    for bad, why in (
        (b'{"a":1,"a":2}', "twice"),
        (b'{"a":NaN}', "NaN"),
        (b'{"a":Infinity}', "Infinity"),
        (b'{"a":1.5}', "fractional"),
        (b"[" * 10_000 + b"]" * 10_000, "nested"),
        (b"[" * 65 + b"]" * 65, "64 levels"),
        (b'{"a":1} x', "after"),
        (b"\xff", "valid JSON"),
    ):
        with pytest.raises(BundleError, match=why):
            load(bad, "x")


def test_workspace_without_blob_cannot_export(pair, tmp_path):
    a, _b = pair
    sha = a.list_documents()[0]["sha256"]
    shutil.move(a.blob_path(sha), tmp_path / "moved")
    with pytest.raises(BundleError, match="assay check"):
        a.export_bundle(tmp_path / "x.assay")
    assert not (tmp_path / "x.assay").exists()

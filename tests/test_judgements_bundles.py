"""Key judgements travel in bundles: per-field merge, conflicts kept, review threads as sets,
evidence the receiver never had shown as missing, older bundles still read."""

from __future__ import annotations

import json

import pytest

from desktop.core.exchange import state_digest

from .test_bundles_helpers import ADA, BEN, SAM, members, resign, span, trust, workstation


@pytest.fixture
def desks(tmp_path):
    a = workstation(tmp_path, "a", ADA)
    b = workstation(tmp_path, "b", BEN)
    trust(b, a, tmp_path)
    trust(a, b, tmp_path)
    doc, s, e = span(a, "Alpha", "A comparable tool will definitely emerge")
    c1 = a.add_claim(doc, s, e, "A tool will emerge", credibility=3, likelihood="likely").created
    doc, s, e = span(a, "Beta", "domestic accelerators will meet demand by 2028")
    c2 = a.add_claim(doc, s, e, "Accelerators meet demand", credibility=4).created
    a.update_document(doc, marking="RED")
    jid = a.add_judgement(
        "Comparable tools will spread.",
        likelihood="likely",
        confidence="moderate",
        supporting=[c1],
        weakening=[c2],
        reason="two reports",
    ).created
    yield a, b, {"c1": c1, "c2": c2, "j": jid}
    a.close()
    b.close()


def test_a_judgement_and_its_review_thread_travel(desks, tmp_path):
    a, b, ids = desks
    a.submit_judgement(ids["j"], "ready")
    a.export_bundle(tmp_path / "a1.assay")
    result = b.import_bundle(tmp_path / "a1.assay")
    assert ids["j"] in result.changes.judgements
    assert result.counts["judgements"].new == 1
    assert result.counts["judgement_evidence"].new == 2
    assert result.counts["judgement_reviews"].new == 1
    j = b.judgement(ids["j"])
    assert (j.statement, j.likelihood, j.status, j.author) == (
        "Comparable tools will spread.",
        "likely",
        "submitted",
        ADA.name,
    )
    assert [x.id for x in j.supporting] == [ids["c1"]] and j.missing == []
    assert [r.decision for r in b.judgement_reviews(ids["j"])] == ["submit"]
    # and back: both workstations converge
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    assert state_digest(a) == state_digest(b)


def test_a_supervisor_decision_made_elsewhere_comes_back(desks, tmp_path):
    a, b, ids = desks
    a.submit_judgement(ids["j"])
    a.export_bundle(tmp_path / "a1.assay")
    b.import_bundle(tmp_path / "a1.assay")
    b.switch_analyst(SAM)
    trust(a, b, tmp_path)  # Sam's key
    b.review_judgement(ids["j"], "request_changes", "say which vendor")
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    assert a.judgement(ids["j"]).status == "changes_requested"
    assert [r.decision for r in a.judgement_reviews(ids["j"])] == ["submit", "request_changes"]


def test_evidence_the_receiver_never_had_is_missing_not_dropped(desks, tmp_path):
    a, b, ids = desks
    # c2 sits on a RED document: an AMBER bundle leaves it behind, the judgement goes
    a.export_bundle(tmp_path / "amber.assay", ceiling="AMBER")
    b.import_bundle(tmp_path / "amber.assay")
    j = b.judgement(ids["j"])
    assert [x.id for x in j.supporting] == [ids["c1"]]
    assert j.weakening == [] and j.missing == [ids["c2"]]
    assert j.summary.endswith("; 1 missing evidence")


def test_a_judgement_above_the_ceiling_stays_home(desks, tmp_path):
    a, b, ids = desks
    a.edit_judgement(ids["j"], reason="names a partner", marking="RED")
    info = a.export_bundle(tmp_path / "green.assay", ceiling="GREEN")
    assert info.counts["judgements"] == 0 and info.counts["judgement_evidence"] == 0
    b.import_bundle(tmp_path / "green.assay")
    assert b.judgements() == []


def test_concurrent_edits_merge_per_field_and_keep_the_loser(desks, tmp_path):
    a, b, ids = desks
    a.export_bundle(tmp_path / "a1.assay")
    b.import_bundle(tmp_path / "a1.assay")
    # Ben cannot edit Ada's judgement; a supervisor's bundle could carry any change, but
    # here both sides are Ada: her own copy on workstation B
    b.switch_analyst(ADA)
    b.edit_judgement(ids["j"], reason="B: newer figures", likelihood="very_likely")
    a.edit_judgement(ids["j"], reason="A: reworded", statement="Comparable tools will spread fast.")
    a.edit_judgement(ids["j"], reason="A: doubt", likelihood="unlikely")
    b.export_bundle(tmp_path / "b1.assay")
    a.import_bundle(tmp_path / "b1.assay")
    j = a.judgement(ids["j"])
    assert j.statement == "Comparable tools will spread fast."  # only A changed it
    conflicts = [c for c in a.conflicts() if c.entity == "judgements"]
    assert [c.field for c in conflicts] == ["likelihood"]
    assert {conflicts[0].local_value, conflicts[0].remote_value} == {"unlikely", "very_likely"}


def test_an_older_bundle_without_judgements_still_imports(desks, tmp_path):
    a, b, ids = desks
    a.export_bundle(tmp_path / "a1.assay")
    files = members((tmp_path / "a1.assay").read_bytes())
    for name in ("judgements", "judgement_evidence", "judgement_reviews"):
        del files[f"records/{name}.jsonl"]
    manifest = dict(json.loads(files["manifest.json"]), version="1.0")
    (tmp_path / "old.assay").write_bytes(resign(files, a.signing_key, manifest=manifest))
    result = b.import_bundle(tmp_path / "old.assay")
    assert result.counts["annotations"].new == 2
    assert b.judgements() == []


def test_a_current_bundle_must_list_the_judgement_files(desks, tmp_path):
    from desktop.core.kernel.errors import BundleError

    a, b, ids = desks
    a.export_bundle(tmp_path / "a1.assay")
    files = members((tmp_path / "a1.assay").read_bytes())
    del files["records/judgements.jsonl"]
    (tmp_path / "cut.assay").write_bytes(resign(files, a.signing_key))
    with pytest.raises(BundleError, match="does not list records/judgements.jsonl"):
        b.import_bundle(tmp_path / "cut.assay")
    assert b.judgements() == []


def test_a_judgement_record_off_the_scale_is_refused(desks, tmp_path):
    from desktop.core.kernel.errors import BundleError

    from .test_bundles_helpers import put_records, records

    a, b, ids = desks
    a.export_bundle(tmp_path / "a1.assay")
    files = members((tmp_path / "a1.assay").read_bytes())
    recs = records(files, "judgements")
    recs[0]["v"]["likelihood"] = "probably"
    put_records(files, "judgements", recs)
    (tmp_path / "bad.assay").write_bytes(resign(files, a.signing_key))
    before = state_digest(b)
    with pytest.raises(BundleError, match="likelihood"):
        b.import_bundle(tmp_path / "bad.assay")
    assert state_digest(b) == before


def test_a_team_bundle_carries_the_judgements_changed_since_the_last(desks, tmp_path):
    a, b, ids = desks
    a.export_bundle(tmp_path / "t1.assay", changed_since_bundle_to="team")
    a.edit_judgement(ids["j"], reason="new figures", confidence="high")
    info = a.export_bundle(tmp_path / "t2.assay", changed_since_bundle_to="team")
    assert info.counts["judgements"] == 1 and info.counts["claims"] == 0
    a.export_bundle(tmp_path / "t3.assay", changed_since_bundle_to="team")
    b.import_bundle(tmp_path / "t1.assay")
    b.import_bundle(tmp_path / "t2.assay")
    assert b.judgement(ids["j"]).confidence == "high"


def test_a_selection_by_document_carries_the_judgements_resting_on_it(desks, tmp_path):
    a, b, ids = desks
    alpha = a.find_document("Alpha").id
    gamma = a.find_document("Gamma").id
    info = a.export_bundle(tmp_path / "alpha.assay", documents=[alpha])
    assert info.counts["judgements"] == 1 and info.counts["judgement_evidence"] == 2
    info = a.export_bundle(tmp_path / "gamma.assay", documents=[gamma])
    assert info.counts["judgements"] == 0
    b.import_bundle(tmp_path / "alpha.assay")
    assert b.judgement(ids["j"]).missing == [ids["c2"]]  # c2 is on Beta, not carried

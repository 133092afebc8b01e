"""Records from a peer: a bundle signed by a trusted key may still carry only what its signer
may have made (or what carries its author's seal); anything else refuses the whole bundle and
leaves the store byte-identical."""

from __future__ import annotations

import base64
import os

import pytest

from desktop.core.exchange import authority
from desktop.core.kernel.errors import PeerRefused
from desktop.core.kernel.ids import tag_id

from .test_bundles_helpers import (
    ADA,
    BEN,
    SAM,
    copy_workspace,
    members,
    put_records,
    records,
    resign,
    snapshot,
    span,
    trust,
    workstation,
)


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A: Ada's workstation, where Sam (the first to claim it) supervises; B: Ben's, which
    trusts Ada's and Sam's keys and learnt Sam's role from Sam's own bundle. Ben has a claim
    on the Gamma note; Sam approved Ada's claim and wrote a claim of his own."""
    root = tmp_path_factory.mktemp("authority")
    prev = os.environ.get("ASSAY_PROFILE_DIR")
    os.environ["ASSAY_PROFILE_DIR"] = str(root / "profile")
    a = workstation(root, "a", ADA)
    b = workstation(root, "b", BEN)
    trust(b, a, root)
    a.switch_analyst(SAM)
    assert a.is_supervisor
    trust(b, a, root)  # Sam's key, read out of band like Ada's
    sam_claim = a.add_claim(
        *span(a, "Beta", "domestic accelerators"), "sam's", credibility=3
    ).created
    a.export_bundle(root / "sam.assay")
    b.import_bundle(root / "sam.assay")
    assert {r["name"]: r["role"] for r in b.analysts()}["Sam Supervisor"] == "supervisor"
    a.switch_analyst(ADA)
    ada_claim = a.add_claim(
        *span(a, "Alpha", "AI-enabled tools"), "tools", credibility=2, tags=["actor/state"]
    ).created
    a.submit(ada_claim)
    a.switch_analyst(SAM)
    a.review(ada_claim, "approve", "well sourced")
    a.switch_analyst(ADA)
    a.export_bundle(root / "good.assay")  # signed by Ada; Sam's review travels under his seal
    ben_claim = b.add_claim(*span(b, "Gamma", "Supply chain orders"), "ben's").created
    yield {
        "a": a,
        "b": b,
        "root": root,
        "good": (root / "good.assay").read_bytes(),
        "ada_claim": ada_claim,
        "sam_claim": sam_claim,
        "ben_claim": ben_claim,
    }
    for w in (a, b):
        w.close()
    if prev is None:
        os.environ.pop("ASSAY_PROFILE_DIR", None)
    else:
        os.environ["ASSAY_PROFILE_DIR"] = prev


@pytest.fixture
def refuse(setting, tmp_path):
    """Import DATA into B: it must be refused naming MATCH, with B byte-identical after."""

    def check(data: bytes, match: str) -> None:
        b = setting["b"]
        before = snapshot(b)
        path = tmp_path / "bad.assay"
        path.write_bytes(data)
        with pytest.raises(PeerRefused, match=match):
            b.import_bundle(path)
        with pytest.raises(PeerRefused, match=match):
            b.preview_bundle(path)
        assert snapshot(b) == before

    return check


def edited(setting, name: str, change) -> bytes:
    """The good bundle with CHANGE(records) applied to NAME, re-signed with Ada's key."""
    files = members(setting["good"])
    recs = records(files, name)
    change(recs)
    put_records(files, name, recs)
    return resign(files, setting["a"].session.unlocked_key(ADA.id))


def find(recs: list[dict], **values) -> dict:
    return next(r for r in recs if all(r["v"].get(k) == v for k, v in values.items()))


# -- what may come: a legitimate relay ------------------------------------------------------------
def test_relayed_review_and_claims_of_others_merge(setting, tmp_path):
    """Ada's bundle carries Sam's review and Sam's claim under Sam's seals: B takes them."""
    b = setting["b"]
    before = snapshot(b)
    path = tmp_path / "good.assay"
    path.write_bytes(setting["good"])
    b.preview_bundle(path)
    assert snapshot(b) == before
    seals = {
        r["v"]["reviewer_id"]: r.get("s") for r in records(members(setting["good"]), "reviews")
    }
    assert seals[SAM.id]["by"] == SAM.id
    other = copy_workspace(b, tmp_path / "b-copy", BEN)
    try:
        other.import_bundle(path)
        assert other.annotation(setting["ada_claim"]).status == "approved"
        assert [r.reviewer_id for r in other.reviews(setting["ada_claim"])][-1] == SAM.id
    finally:
        other.close()


# -- reviews --------------------------------------------------------------------------------------
def test_review_by_someone_not_a_supervisor_here(setting, refuse):
    def change(recs):
        rec = find(recs, decision="approve")
        rec["v"]["reviewer_id"] = BEN.id
        rec.pop("s", None)

    refuse(edited(setting, "reviews", change), "Ben Analyst.*not a supervisor here")


def test_review_of_the_reviewers_own_claim(setting, refuse):
    def change(recs):
        rec = find(recs, decision="approve")
        rec["v"]["annotation_id"] = setting["sam_claim"]

    refuse(edited(setting, "reviews", change), "reviews its reviewer's own claim")


def test_review_claiming_another_reviewer_without_their_seal(setting, refuse):
    def strip(recs):
        find(recs, decision="approve").pop("s")

    refuse(edited(setting, "reviews", strip), "claims to be by Sam Supervisor.*without their seal")

    def forge(recs):
        rec = find(recs, decision="approve")
        rec["v"]["comment"] = "forged praise"  # the seal no longer matches what it covers

    refuse(edited(setting, "reviews", forge), "without their seal")


def test_submission_of_another_analysts_work(setting, refuse):
    def change(recs):
        rec = find(recs, decision="submit")
        rec["v"]["annotation_id"] = setting["sam_claim"]

    refuse(edited(setting, "reviews", change), "submits another analyst's work")


# -- other analysts' claims -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value", [("statement", "words put in Sam's mouth"), ("credibility", 1)]
)
def test_edit_to_another_analysts_claim(setting, refuse, field, value):
    def change(recs):
        find(recs, annotation_id=setting["sam_claim"])["v"][field] = value

    refuse(edited(setting, "claims", change), "belongs to Sam Supervisor.*without their seal")


def test_taking_over_another_analysts_annotation(setting, refuse):
    def change(recs):
        rec = find(recs, id=setting["ben_claim"])
        rec["v"]["created_by"] = ADA.id

    files = members(setting["good"])
    # Ben's claim is not in Ada's bundle: give it one, claiming Ada wrote it
    b = setting["b"]
    ann = b.annotation(setting["ben_claim"])
    recs = records(files, "annotations")
    template = dict(recs[0])
    template["v"] = {**recs[0]["v"], "id": ann.id, "document_id": ann.document_id}
    template["v"].update(start=ann.start, end=ann.end, quote=ann.quote, created_by=ADA.id)
    template.pop("s", None)
    recs.append(template)
    put_records(files, "annotations", recs)
    refuse(resign(files, setting["a"].session.unlocked_key(ADA.id)), "names Ada Analyst.*author")


# -- the roster -----------------------------------------------------------------------------------
def test_forged_promotion_is_refused(setting, refuse):
    def change(recs):
        find(recs, id=ADA.id)["v"]["role"] = "supervisor"

    refuse(edited(setting, "analysts", change), "changes the role of analyst 'Ada Analyst'")


def test_role_change_of_another_analyst_is_refused(setting, refuse):
    def change(recs):
        ben = find(recs, id=SAM.id)
        ben["v"]["role"] = "analyst"
        ben.pop("s", None)

    refuse(edited(setting, "analysts", change), "changes the role of analyst 'Sam Supervisor'")


def test_renaming_another_analyst_is_refused(setting, refuse):
    def change(recs):
        sam = find(recs, id=SAM.id)
        sam["v"]["name"] = "Sam the Impostor"
        sam.pop("s", None)

    refuse(edited(setting, "analysts", change), "renames analyst")


# -- documents and tags ---------------------------------------------------------------------------
def test_removing_a_document_that_holds_others_work(setting, refuse):
    gamma = setting["b"].annotation(setting["ben_claim"]).document_id

    def change(recs):
        find(recs, id=gamma)["v"]["deleted"] = 1

    refuse(edited(setting, "documents", change), "removes document .*Ben Analyst's work")


def test_text_that_is_not_its_originals(setting, refuse):
    def change(recs):
        rec = find(recs, title="Beta brief")
        rec["v"]["text"] = rec["v"]["text"].replace("2028", "2031")

    refuse(edited(setting, "documents", change), "is not the text of its original file")


def test_tags_whose_parents_make_a_loop(setting, refuse):
    def change(recs):
        parent = find(recs, name="actor")
        child = find(recs, name="actor/state")
        parent["v"]["parent_id"] = child["v"]["id"]

    refuse(edited(setting, "tags", change), r"make a loop \('actor.*→.*'actor")


def test_tag_cycle_finder():
    class Db:
        def __init__(self, rows):
            self.rows = rows

        def execute(self, sql):
            return self.rows

    a, b, c = tag_id("a"), tag_id("b"), tag_id("c")
    assert authority.tag_cycle(Db([(a, b), (b, a)])) in ([a, b, a], [b, a, b])
    assert authority.tag_cycle(Db([(a, a)])) == [a, a]
    assert authority.tag_cycle(Db([(a, b), (b, c)])) is None


def test_bad_seal_shape_is_refused(setting, tmp_path):
    from desktop.core.kernel.errors import BundleError

    def change(recs):
        find(recs, decision="approve")["s"] = {"by": SAM.id, "sig": base64.b64encode(b"x").decode()}

    path = tmp_path / "bad.assay"
    path.write_bytes(edited(setting, "reviews", change))
    before = snapshot(setting["b"])
    with pytest.raises(BundleError, match="seal holding an Ed25519 signature"):
        setting["b"].import_bundle(path)
    assert snapshot(setting["b"]) == before

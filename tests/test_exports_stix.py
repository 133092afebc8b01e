"""STIX 2.1 export (validated by the OASIS validator, offline) and its import back."""

from __future__ import annotations

import json

import pytest
from stix2validator import ValidationOptions, validate_instance, validate_string

from desktop.core.exports import Selection, export
from desktop.core.exports.stix import (
    EXTENSION_ID,
    TLP2_EXTENSION,
    note_id,
    report_id,
    stix_json,
)
from desktop.core.imports import import_annotations
from desktop.core.imports.stix import import_stix
from desktop.core.kernel.errors import ExportError, PeerRefused, StixImportError
from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace

from .test_exports_common import (
    ANALYST,
    DESK,
    SUPERVISOR,
    counts,
    disable_network,
    fresh_workspace_with_same_documents,
    snapshot,
    threads,
    workspace_copy,
)

# The OASIS ids of the TLP 2.0 marking definitions (cti-stix-common-objects).
OASIS_TLP2 = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


KOFI = DESK  # a supervisor: only a supervisor brings review decisions in from a file


LEE = Profile(id="77777777-7777-4777-8777-777777777777", name="Lee Third", configured=True)


def kofis_workstation(tmp_path):
    """Another workstation with the same documents, Kofi Mensah at the keyboard."""
    fresh_workspace_with_same_documents(tmp_path).close()
    return Workspace.open(tmp_path / "other", profile=KOFI)


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


def assert_valid(text: str) -> None:
    """No errors from stix2-validator; the only warnings allowed are for our UUIDv5 ids."""
    options = ValidationOptions(version="2.1")
    for result in (validate_string(text, options), validate_instance(json.loads(text), options)):
        assert result.is_valid, [str(e) for e in result.errors]
        assert not result.errors
        others = [str(w) for w in result.warnings if "{103}" not in str(w)]
        assert not others, others


def objects(text: str) -> dict[str, dict]:
    return {o["id"]: o for o in json.loads(text)["objects"]}


def test_every_bundle_passes_the_oasis_validator_offline(work, monkeypatch):
    ws, ids = work
    disable_network(monkeypatch)
    for selection in (
        Selection(),
        Selection(ceiling="AMBER"),
        Selection(ceiling="CLEAR"),
        Selection(tags=("capability",)),
        Selection(statuses=("approved",)),
        Selection(documents=("Export controls",)),
        Selection(analysts=("Ada Analyst",)),
    ):
        assert_valid(stix_json(ws, selection))


def test_reports_notes_opinions_markings_and_extension(work):
    ws, ids = work
    text = stix_json(ws)
    objs = objects(text)
    # TLP 2.0 marking definitions, all five, exactly as OASIS published them
    markings = {o["name"]: o for o in objs.values() if o["type"] == "marking-definition"}
    assert {n: o["id"] for n, o in markings.items()} == OASIS_TLP2
    for name, o in markings.items():
        assert o["created"] == "2022-10-01T00:00:00.000Z"
        assert o["extensions"] == {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": name[4:].lower()}
        }
    # every other object is marked
    for o in objs.values():
        if o["type"] not in ("marking-definition",):
            assert o["object_marking_refs"], o["id"]
    # the extension definition carries its schema as text, never an address to fetch
    ext = objs[EXTENSION_ID]
    assert ext["extension_types"] == ["property-extension"]
    schema = json.loads(ext["schema"])
    assert "note" in schema["$defs"] and "http" not in ext["schema"].split("$schema")[0]
    # reports: the document's hash and URL, its marking, its notes
    exploits = ws.document(ids["exploits"])
    report = objs[report_id(exploits.id)]
    assert report["name"] == exploits.title
    assert report["published"].startswith("2025-03-18T00:00:00")
    ref = report["external_references"][0]
    assert ref["hashes"] == {"SHA-256": exploits.sha256}
    assert ref["url"] == "https://example.org/ledger/ai-exploits"
    assert report["object_marking_refs"] == [OASIS_TLP2["TLP:CLEAR"]]
    assert {note_id(ids[k]) for k in ("c1", "c2", "n1")} <= set(report["object_refs"])
    amber = objs[report_id(ids["controls"])]
    assert amber["object_marking_refs"] == [OASIS_TLP2["TLP:AMBER"]]
    # notes: content, abstract, authors, object_refs → report, selectors and ratings
    c1 = objs[note_id(ids["c1"])]
    assert c1["content"] == "An AI agent exploited 11 of 20 recent vulnerabilities within hours."
    assert c1["abstract"].startswith("an AI agent wrote working exploits")
    assert c1["authors"] == ["Ada Analyst"] and c1["object_refs"] == [report["id"]]
    native = c1["extensions"][EXTENSION_ID]
    ann = ws.annotation(ids["c1"])
    assert native["selector"] == {
        "start": ann.start,
        "end": ann.end,
        "quote": ann.quote,
        "prefix": ann.prefix,
        "suffix": ann.suffix,
    }
    assert (native["credibility"], native["likelihood"], native["confidence"]) == (
        2,
        "likely",
        "moderate",
    )
    assert native["status"] == "approved" and native["reliability"] == "C"
    assert [t["name"] for t in native["tags"]] == ["actor", "capability/vuln discovery"]
    assert native["links"] == [
        {
            "link_id": ids["l1"],
            "to_ref": note_id(ids["c2"]),
            "to_annotation": ids["c2"],
            "relation": "corroborates",
            "comment": "same capability, different horizon",
        }
    ]
    assert native["submissions"][0]["comment"] == "ready: c1"
    note = objs[note_id(ids["n1"])]
    assert note["content"] == "=SUM(A1:A9) looks like a formula"
    assert note["extensions"][EXTENSION_ID]["kind"] == "note"
    # opinions: one per supervisor decision, pointing at the note
    opinions = [o for o in objs.values() if o["type"] == "opinion"]
    got = sorted(
        (
            o["object_refs"][0],
            o["opinion"],
            o["explanation"],
            o["extensions"][EXTENSION_ID]["decision"],
        )
        for o in opinions
    )
    assert got == sorted(
        [
            (note_id(ids["c1"]), "agree", "Sound sourcing.", "approve"),
            (note_id(ids["c2"]), "neutral", "Say who the developer is.", "request_changes"),
            (note_id(ids["c3"]), "strongly-disagree", "Yield figures are not public.", "reject"),
        ]
    )
    assert all(o["authors"] == [SUPERVISOR.name] for o in opinions)


def test_confidence_follows_appendix_a_and_never_likelihood(work):
    ws, ids = work
    s = ws.document(ids["exploits"]).text.index("Researchers say")
    ids["c5"] = ws.add_claim(
        ids["exploits"], s, s + 15, "confidence only", confidence="high"
    ).created
    ids["c6"] = ws.add_claim(
        ids["exploits"], s, s + 11, "likelihood only", likelihood="almost certain"
    ).created
    objs = objects(stix_json(ws))

    def confidence(key):
        return objs[note_id(ids[key])].get("confidence")

    assert confidence("c1") == 70  # credibility 2, though confidence is moderate
    assert confidence("c2") == 10  # credibility 5
    assert confidence("c3") == 50  # credibility 3
    assert confidence("c4") is None  # credibility 6: left out
    assert confidence("c5") == 85  # no credibility: ICD 203 high confidence
    assert confidence("c6") is None  # likelihood alone never becomes confidence
    assert confidence("n1") is None  # a note is not rated


def test_ids_are_deterministic(work):
    ws, ids = work
    first, second = stix_json(ws), stix_json(ws)
    assert first == second
    assert report_id(ids["exploits"]) in objects(first)


def test_ceiling_keeps_everything_above_it_out(work):
    ws, ids = work
    text = stix_json(ws, Selection(ceiling="AMBER"))
    objs = objects(text)
    assert report_id(ids["red"]) not in objs and note_id(ids["c4"]) not in objs
    assert "RED-only" not in text and "informant" not in text
    assert all(
        o.get("object_marking_refs") != [OASIS_TLP2["TLP:RED"]]
        for o in objs.values()
        if o["type"] != "marking-definition"
    )
    clear = objects(stix_json(ws, Selection(ceiling="CLEAR")))
    assert report_id(ids["controls"]) not in clear
    # the link from c3 (AMBER) to c1 does not leave with c1 alone
    assert "links" not in clear[note_id(ids["c2"])]["extensions"][EXTENSION_ID]
    with pytest.raises(ExportError):
        Selection(ceiling="PURPLE")


def test_round_trip_into_another_workstation(work, tmp_path, monkeypatch):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    result = export(ws, "stix", dest)
    assert result.highest_marking == "RED" and result.claims == 4
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        disable_network(monkeypatch)
        summary = import_annotations(other, dest)
        assert len(summary.annotations_created) == 5 and summary.links_created == 3
        # three submissions and three decisions come back as the thread they were
        assert len(summary.reviews_created) == 6 and summary.reviews_not_applied == 0
        assert snapshot(other) == snapshot(ws)
        assert threads(other) == threads(ws)
        assert other.annotation(ids["c1"]).status == "approved"
        assert other.annotation(ids["c2"]).status == "changes_requested"
        assert other.annotation(ids["c3"]).status == "rejected"
        # markings travel with the work; they are raised, never lowered
        assert other.document(ids["controls"]).marking == "AMBER"
        assert other.document(ids["red"]).marking == "RED"
        again = import_stix(other, dest)
        assert again.annotations_created == [] and again.duplicates == 5
        assert again.reviews_created == []
        assert snapshot(other) == snapshot(ws) and threads(other) == threads(ws)
    finally:
        other.close()


def test_importing_back_into_the_same_workspace_changes_nothing(work, tmp_path):
    ws, _ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    before = threads(ws), snapshot(ws)
    summary = import_stix(ws, dest)
    assert summary.duplicates == 5 and summary.annotations_created == []
    assert summary.reviews_created == [] and summary.reviews_not_applied == 0
    assert (threads(ws), snapshot(ws)) == before


def test_reviews_made_after_an_earlier_import_follow_it(work, tmp_path):
    """Ada's claims go out before review; Sam's decisions go out later and land on them."""
    ws, ids = work
    early = tmp_path / "early.json"
    export(ws, "stix", early)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        import_stix(other, early)
        ws.submit(ids["c2"], "named the developer")
        ws.switch_analyst(SUPERVISOR)
        ws.review(ids["c2"], "approve", "Now sourced.")
        late = tmp_path / "late.json"
        export(ws, "stix", late)
        summary = import_stix(other, late)
        assert summary.duplicates == 5 and len(summary.reviews_created) == 2
        assert other.annotation(ids["c2"]).status == "approved"
        assert threads(other) == threads(ws)
    finally:
        other.close()


def test_one_undo_takes_the_whole_import_back(work, tmp_path):
    ws, _ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    other = fresh_workspace_with_same_documents(tmp_path)
    try:
        before = counts(other)
        import_stix(other, dest)
        assert other.undo_label() == "Import STIX 2.1 (bundle.json)"
        other.undo()
        assert counts(other)[:3] == before[:3]
        assert other.claims(kind=None) == []
    finally:
        other.close()


def test_who_imported_what_is_in_the_audit_log(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    other = kofis_workstation(tmp_path)
    try:
        import_stix(other, dest)
        c1 = other.annotation(ids["c1"])
        assert (c1.created_by, c1.analyst) == (ANALYST.id, ANALYST.name)
        steps = [(h["actor"], h["action"]) for h in other.history(ids["c1"])]
        assert steps == [
            ("Kofi Mensah", "import claim"),
            ("Kofi Mensah", "import submit"),
            ("Kofi Mensah", "import approve"),
        ]
        approve = other.history(ids["c1"])[-1]["change"]
        assert (approve["reviewer"], approve["reviewer_id"]) == (SUPERVISOR.name, SUPERVISOR.id)
        assert approve["file"] == "bundle.json"
        # where each step came from shows in the thread, here and in the window
        assert [r.imported_from for r in other.reviews(ids["c1"])] == ["bundle.json"] * 2
        assert [r.imported_from for r in ws.reviews(ids["c1"])] == ["", ""]
        # Ada's work stays hers: Kofi cannot edit it, only respond to it
        from desktop.core.kernel.errors import PermissionDenied

        with pytest.raises(PermissionDenied):
            other.edit_claim(ids["c1"], statement="changed")
    finally:
        other.close()


def _bundle_with(path, edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data["objects"])
    path.write_text(json.dumps(data), encoding="utf-8")


def test_opinions_from_another_tool_become_decisions(work, tmp_path):
    """An opinion made in a threat-intelligence platform on one of our notes, no extension."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest, Selection(documents=("Lab's AI agent",)))
    identity = "identity--0d6a1b1e-7d2c-4a51-9a3e-6c1f2b3a4d5e"
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # after Sam's review

    def add(objects):
        objects.append(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": identity,
                "created": "2026-01-05T10:00:00.000Z",
                "modified": "2026-01-05T10:00:00.000Z",
                "name": "Ines CTI Lead",
                "identity_class": "individual",
            }
        )
        objects.append(
            {
                "type": "opinion",
                "spec_version": "2.1",
                "id": "opinion--6c0bd7a4-93a5-4c1e-8d0f-3b8f2f0c9e11",
                "created": now,
                "modified": now,
                "created_by_ref": identity,
                "opinion": "strongly-disagree",
                "explanation": "The vendor retracted the figure.",
                "object_refs": [note_id(ids["c2"])],
            }
        )

    _bundle_with(dest, add)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        summary = import_stix(other, dest)
        assert len(summary.reviews_created) == 5  # Ada's two submissions, Sam's two, Ines's one
        last = other.last_review(ids["c2"])
        assert (last.reviewer, last.decision, last.opinion, last.comment) == (
            "Ines CTI Lead",
            "reject",
            "strongly-disagree",
            "The vendor retracted the figure.",
        )
        assert other.annotation(ids["c2"]).status == "rejected"
        # the same identity is the same person the next time
        assert import_stix(other, dest).reviews_created == []
    finally:
        other.close()


def test_notes_from_another_tool_on_our_reports_come_back(work, tmp_path):
    """A note made in a CTI platform on one of our reports names no span: it lands on the
    document's title line, by the identity that wrote it, its labels as tags; a colleague's
    opinion on it comes back as a decision; its stricter marking raises the document's."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest, Selection(documents=("Lab's AI agent",)))
    ines = "identity--0d6a1b1e-7d2c-4a51-9a3e-6c1f2b3a4d5e"
    omar = "identity--5f0e9a1c-2b3d-4e5f-8a6b-7c8d9e0f1a2b"
    note = "note--2a4b6c8d-1e3f-4a5b-9c7d-0e1f2a3b4c5d"
    amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    stamp = "2026-02-03T08:00:00.000Z"

    def add(objects):
        for ident, name in ((ines, "Ines CTI Lead"), (omar, "Omar Desk Chief")):
            objects.append(
                {
                    "type": "identity",
                    "spec_version": "2.1",
                    "id": ident,
                    "created": stamp,
                    "modified": stamp,
                    "name": name,
                    "identity_class": "individual",
                }
            )
        objects.append(
            {
                "type": "note",
                "spec_version": "2.1",
                "id": note,
                "created": stamp,
                "modified": stamp,
                "created_by_ref": ines,
                "content": "Vendor advisory VA-2025-114 confirms the exploit count.",
                "labels": ["Confirmed", "vendor::advisory"],
                "object_refs": [report_id(ids["exploits"])],
                "object_marking_refs": [amber],
            }
        )
        objects.append(
            {
                "type": "opinion",
                "spec_version": "2.1",
                "id": "opinion--9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                "created": stamp,
                "modified": stamp,
                "created_by_ref": omar,
                "opinion": "agree",
                "object_refs": [note],
            }
        )
        objects.append(  # a note on a report that is not ours is left out, with its reason
            {
                "type": "note",
                "spec_version": "2.1",
                "id": "note--3b5c7d9e-2f4a-4b6c-8d0e-1f2a3b4c5d6e",
                "created": stamp,
                "modified": stamp,
                "content": "Unrelated.",
                "object_refs": ["report--8c1f0c34-41a4-4a3c-9a37-07e9fdc1e2a1"],
            }
        )

    _bundle_with(dest, add)
    assert_valid(dest.read_text(encoding="utf-8"))
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        before = other.document(ids["exploits"]).marking
        summary = import_stix(other, dest)
        theirs = [a for a in other.annotations(ids["exploits"]) if a.analyst == "Ines CTI Lead"]
        assert len(theirs) == 1
        got = theirs[0]
        title = other.document(ids["exploits"]).text.split("\n", 1)[0]
        assert (got.start, got.quote, got.kind) == (0, title, "note")
        assert got.comment == "Vendor advisory VA-2025-114 confirms the exploit count."
        assert got.tags == ["confirmed", "vendor/advisory"]
        assert got.created_at.startswith("2026-02-03T08:00:00")
        assert [(r.reviewer, r.decision) for r in other.reviews(got.id)] == [
            ("Omar Desk Chief", "approve")
        ]
        assert got.status == "approved"
        assert (before, other.document(ids["exploits"]).marking) == ("CLEAR", "AMBER")
        assert any("refers to no report Assay exported" in r for r in summary.skipped)
        again = import_stix(other, dest)  # recognised, nothing added
        assert again.annotations_created == [] and again.reviews_created == []
    finally:
        other.close()


def test_review_steps_that_break_the_rules_are_left_out_with_a_reason(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)

    def tamper(objects):
        for o in objects:
            ext = (o.get("extensions") or {}).get(EXTENSION_ID, {})
            if o["type"] == "opinion" and ext.get("annotation_id") == ids["c1"]:
                ext["reviewer_id"] = ANALYST.id  # Ada approving her own claim
                ext["reviewer"] = ANALYST.name
            if o["type"] == "opinion" and ext.get("annotation_id") == ids["c3"]:
                o["created"] = o["modified"] = "2999-01-01T00:00:00.000Z"  # from the future

    _bundle_with(dest, tamper)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        summary = import_stix(other, dest)
        assert summary.reviews_not_applied == 2 and len(summary.reviews_created) == 4
        assert any("cannot review their own" in s for s in summary.skipped)
        assert any("not in the future" in s for s in summary.skipped)
        assert other.annotation(ids["c1"]).status == "submitted"
        assert other.annotation(ids["c3"]).status == "submitted"
        assert other.annotation(ids["c2"]).status == "changes_requested"
    finally:
        other.close()


def test_people_known_only_from_a_file_travel_in_bundles_without_keys(work, tmp_path):
    """Ada and Sam reach Kofi's roster from STIX with no key; his bundle imports cleanly
    elsewhere and carries their names with their work, without vouching for them."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    other = kofis_workstation(tmp_path)
    # the receivers are run by someone else: Ada's key here differs from the template's
    # (a test artefact), and a peer may not replace a key a workstation trusts
    third = fresh_workspace_with_same_documents(tmp_path, "third", profile=LEE)
    try:
        import_stix(other, dest)
        keyless = {a["name"] for a in other.analysts() if not a["fingerprint"]}
        assert keyless == {"Sam Supervisor"}  # Ada made this workspace: her entry has her key
        key = tmp_path / "kofi.key.json"
        third.trust_key(key, other.export_public_key(key).fingerprint)
        out = tmp_path / "kofi.assaybundle"
        other.export_bundle(out)
        third.import_bundle(out)
        assert threads(third) == threads(other)
        roster = {a["name"]: a["fingerprint"] for a in third.analysts()}
        assert roster["Kofi Mensah"] and roster["Sam Supervisor"] is None
        # Sam's own signed entry replaces the name-only one, in whichever order they come
        ws.switch_analyst(SUPERVISOR)
        key = tmp_path / "sam.key.json"
        sam_fp = ws.export_public_key(key).fingerprint
        sams = tmp_path / "sam.assaybundle"
        ws.export_bundle(sams)
        fourth = fresh_workspace_with_same_documents(tmp_path, "fourth", profile=LEE)
        try:
            for receiver, order in ((third, [sams]), (fourth, [sams, out])):
                receiver.trust_key(key, sam_fp)
                if receiver is fourth:
                    fourth.trust_key(tmp_path / "kofi.key.json", other.my_key().fingerprint)
                for bundle in order:
                    if receiver is fourth and bundle == out:
                        # Sam supervises here now: Kofi's own word no longer makes him one
                        with pytest.raises(PeerRefused, match="Kofi Mensah.*as a supervisor"):
                            receiver.import_bundle(bundle)
                        continue
                    receiver.import_bundle(bundle)
                roster = {a["name"]: a["fingerprint"] for a in receiver.analysts()}
                signed = {a["name"]: a["fingerprint"] for a in ws.analysts()}
                assert roster["Sam Supervisor"] == signed["Sam Supervisor"]
        finally:
            fourth.close()
    finally:
        other.close()
        third.close()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not valid JSON"),
        (b'{"type": "report"}', "not a STIX bundle"),
        (b'{"type": "bundle", "objects": [{"id": 3}]}', "malformed"),
        (b'{"type": "bundle", "id": "bundle--x", "objects": []}', "no notes"),
    ],
)
def test_bad_bundles_are_refused_and_change_nothing(work, tmp_path, content, message):
    ws, _ids = work
    before = counts(ws)
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(StixImportError, match=message):
        import_stix(ws, path)
    assert counts(ws) == before


def test_notes_on_unknown_documents_are_refused(work, tmp_path):
    ws, _ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)

    empty = Workspace.create(tmp_path / "empty", profile=ANALYST)
    try:
        with pytest.raises(StixImportError, match="not in this workspace"):
            import_stix(empty, dest)
        assert counts(empty) == (0, 0, 0, ())
    finally:
        empty.close()


def test_notes_with_no_known_author_become_the_importers_drafts(work, tmp_path):
    """Without an analyst id or an identity to keep as the author, the note becomes the
    importing analyst's draft, the original author's name in its comment; its opinions cannot
    be replayed on someone else's draft and are counted instead."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest, Selection(documents=("Lab's AI agent",)))

    def anonymous(objects):
        for o in objects:
            if o["type"] == "note":
                del o["extensions"][EXTENSION_ID]["analyst_id"]
                del o["created_by_ref"]

    _bundle_with(dest, anonymous)
    other = kofis_workstation(tmp_path)
    try:
        summary = import_stix(other, dest)
        assert summary.reviews_not_applied == 2 and summary.reviews_created == []
        mine = {a.quote: a for a in other.annotations(ids["exploits"])}
        c1 = mine[ws.annotation(ids["c1"]).quote]
        assert c1.comment == "Check the preprint's appendix.\n\nOriginally by Ada Analyst."
        assert (c1.created_by, c1.status) == (KOFI.id, "draft") and c1.id != ids["c1"]
        c2 = mine[ws.annotation(ids["c2"]).quote]
        assert c2.comment == "Originally by Ada Analyst."
        assert import_stix(other, dest).duplicates == 3  # and it is recognised again
    finally:
        other.close()


def test_one_bad_note_refuses_the_whole_bundle(work, tmp_path):
    """A bundle whose last note carries an impossible rating changes nothing, reviews included."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)

    def spoil(objects):
        notes = [o for o in objects if o["type"] == "note"]
        notes[-1]["extensions"][EXTENSION_ID].update(kind="claim", credibility=9)

    _bundle_with(dest, spoil)
    other = fresh_workspace_with_same_documents(tmp_path)
    try:
        before = counts(other), threads(other), other.analysts()
        label = other.undo_label()
        with pytest.raises(StixImportError, match="[Cc]redibility"):
            import_stix(other, dest)
        assert (counts(other), threads(other), other.analysts()) == before
        assert other.verify_audit().ok and other.undo_label() == label
    finally:
        other.close()


def test_an_analyst_cannot_bring_in_a_supervisors_approval(work, tmp_path):
    """A file is unsigned: an approval in it, in Sam's name, is not taken from an analyst."""
    ws, ids = work
    s, e = ws.document(ids["controls"]).text.index("Transshipment"), None
    e = s + len("Transshipment through third countries")
    mine = ws.add_claim(ids["controls"], s, e, "Transshipment continues.").created
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)

    def forge(objects):
        objects.append(
            {
                "type": "opinion",
                "spec_version": "2.1",
                "id": "opinion--1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b",
                "created": "2026-03-01T09:00:00.000Z",
                "modified": "2026-03-01T09:00:00.000Z",
                "opinion": "strongly-agree",
                "object_refs": [note_id(mine)],
                "extensions": {
                    EXTENSION_ID: {
                        "extension_type": "property-extension",
                        "review_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                        "annotation_id": mine,
                        "decision": "approve",
                        "reviewer_id": SUPERVISOR.id,
                        "reviewer": SUPERVISOR.name,
                    }
                },
            }
        )

    _bundle_with(dest, forge)
    summary = import_stix(ws, dest)  # Ada, an analyst, back into her own workspace
    assert summary.reviews_created == [] and summary.reviews_not_applied == 1
    assert any("Only a supervisor brings review decisions in" in r for r in summary.skipped)
    assert ws.annotation(mine).status == "draft" and ws.reviews(mine) == []


def test_an_identical_claim_of_another_analyst_is_not_taken_for_the_imported_one(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        c1 = ws.annotation(ids["c1"])
        kofis = other.add_claim(ids["exploits"], c1.start, c1.end, c1.statement).created
        summary = import_stix(other, dest)
        assert len(summary.annotations_created) == 5
        assert other.annotation(kofis).status == "draft" and other.reviews(kofis) == []
        assert other.annotation(ids["c1"]).status == "approved"
    finally:
        other.close()


def test_a_claim_edited_since_its_review_keeps_its_new_state(work, tmp_path):
    """Ada edits her approved claim (back to draft); a later file with one more opinion on it
    adds the opinion to the thread but does not put the old approval back."""
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    ws.edit_claim(ids["c1"], statement="An AI agent exploited 11 of 20 bugs (revised).")
    assert ws.annotation(ids["c1"]).status == "draft"
    stamp = "2026-01-10T10:00:00.000Z"

    def another_opinion(objects):
        objects.append(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": "identity--7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                "created": stamp,
                "modified": stamp,
                "name": "Ines CTI Lead",
                "identity_class": "individual",
            }
        )
        objects.append(
            {
                "type": "opinion",
                "spec_version": "2.1",
                "id": "opinion--2e3d4c5b-6a79-4887-9b6a-5d4c3b2a1f0e",
                "created": stamp,
                "modified": stamp,
                "created_by_ref": "identity--7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                "opinion": "agree",
                "object_refs": [note_id(ids["c1"])],
            }
        )

    _bundle_with(dest, another_opinion)
    ws.switch_analyst(SUPERVISOR)
    summary = import_stix(ws, dest)
    assert len(summary.reviews_created) == 1
    assert ws.annotation(ids["c1"]).status == "draft"
    thread = [(r.reviewer, r.decision) for r in ws.reviews(ids["c1"])]
    assert thread[-1] == ("Sam Supervisor", "approve") and ("Ines CTI Lead", "approve") in thread


def test_undo_then_import_again_brings_the_threads_back(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        import_stix(other, dest)
        other.undo()
        summary = import_stix(other, dest)
        assert len(summary.annotations_created) == 5 and len(summary.reviews_created) == 6
        states = sorted(a.status for a in other.claims(kind=None))
        assert states == sorted(a.status for a in ws.claims(kind=None))
    finally:
        other.close()


def test_the_same_note_twice_in_one_file_is_one_annotation(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest, Selection(documents=("Lab's AI agent",)))

    def twice(objects):
        note = next(o for o in objects if o["id"] == note_id(ids["c2"]))
        copy = json.loads(json.dumps(note))
        copy["id"] = "note--4c5d6e7f-8091-4a2b-8c3d-4e5f60718293"
        copy["extensions"][EXTENSION_ID]["annotation_id"] = ids["c2"].upper()
        objects.append(copy)

    _bundle_with(dest, twice)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        summary = import_stix(other, dest)
        assert len(summary.annotations_created) == 3 and summary.duplicates == 1
    finally:
        other.close()


@pytest.mark.parametrize(
    "where, value",
    [
        ("opinion.extensions", [1]),
        ("note.submissions", 5),
        ("note.tags", 5),
        ("note.object_refs", 7),
        ("note.object_marking_refs", [["x"]]),
    ],
)
def test_properties_of_the_wrong_type_are_a_clear_error(work, tmp_path, where, value):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest)

    def spoil(objects):
        kind, prop = where.split(".")
        target = next(o for o in objects if o["type"] == kind)
        if prop in ("submissions", "tags"):
            target["extensions"][EXTENSION_ID][prop] = value
        else:
            target[prop] = value

    _bundle_with(dest, spoil)
    other = fresh_workspace_with_same_documents(tmp_path, profile=DESK)
    try:
        before = counts(other), threads(other)
        # either the odd property is passed over and the rest comes in, or the file is refused
        # with Assay's own error and nothing changes; never a raw Python error
        try:
            summary = import_stix(other, dest)
        except StixImportError as exc:
            assert dest.name in str(exc)
            assert (counts(other), threads(other)) == before
        else:
            assert summary.annotations_created and counts(other) != before[0]
    finally:
        other.close()

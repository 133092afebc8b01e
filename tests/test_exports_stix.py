"""STIX 2.1 export (validated by the OASIS validator, offline) and its import back."""

from __future__ import annotations

import json

import pytest
from stix2validator import ValidationOptions, validate_instance, validate_string

from desktop.core.exports import ExportError, Selection, export
from desktop.core.exports.stix import (
    EXTENSION_ID,
    TLP2_EXTENSION,
    note_id,
    report_id,
    stix_json,
)
from desktop.core.imports import StixImportError, import_annotations
from desktop.core.imports.stix import import_stix

from .test_exports_common import (
    SUPERVISOR,
    counts,
    disable_network,
    fresh_workspace_with_same_documents,
    snapshot,
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
    other = fresh_workspace_with_same_documents(tmp_path)
    try:
        disable_network(monkeypatch)
        summary = import_annotations(other, dest)
        assert len(summary.annotations_created) == 5 and summary.links_created == 3
        assert summary.reviews_not_applied == 3
        assert snapshot(other) == snapshot(ws)
        # markings travel with the work; they are raised, never lowered
        assert other.document(ids["controls"]).marking == "AMBER"
        assert other.document(ids["red"]).marking == "RED"
        again = import_stix(other, dest)
        assert again.annotations_created == [] and again.duplicates == 5
        assert snapshot(other) == snapshot(ws)
    finally:
        other.close()


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
    from desktop.core.workspace import Workspace

    from .test_exports_common import ANALYST

    empty = Workspace.create(tmp_path / "empty", profile=ANALYST)
    try:
        with pytest.raises(StixImportError, match="not in this workspace"):
            import_stix(empty, dest)
        assert counts(empty) == (0, 0, 0, ())
    finally:
        empty.close()


def test_another_analyst_importing_keeps_the_author_in_the_comment(work, tmp_path):
    ws, ids = work
    dest = tmp_path / "bundle.json"
    export(ws, "stix", dest, Selection(documents=("Lab's AI agent",)))
    from desktop.core.profile import Profile
    from desktop.core.workspace import Workspace

    kofi = Profile(id="44444444-4444-4444-8444-444444444444", name="Kofi Mensah", configured=True)
    other = fresh_workspace_with_same_documents(tmp_path)
    other.close()
    other = Workspace.open(tmp_path / "other", profile=kofi)
    try:
        import_stix(other, dest)
        comments = {a.quote: a.comment for a in other.annotations(ids["exploits"])}
        c1 = ws.annotation(ids["c1"])
        assert comments[c1.quote] == "Check the preprint's appendix.\n\nOriginally by Ada Analyst."
        c2 = ws.annotation(ids["c2"])
        assert comments[c2.quote] == "Originally by Ada Analyst."
        assert import_stix(other, dest).duplicates == 3  # and it is recognised again
    finally:
        other.close()

"""REFI-QDA import of a project another tool wrote, and the archive defences."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from desktop.core.imports import detect_format, import_annotations
from desktop.core.imports.refiqda import import_refiqda, parse_claim_note
from desktop.core.kernel.errors import RefiImportError
from desktop.core.workspace import Workspace

from .test_exports_common import ANALYST, counts

MARIA = "8F2C6A1E-55B1-4C7E-9A0D-6E1F0B2C3D4E"
JONAS = "{0B7E4D2A-9C3F-4E8B-A1D6-F5E4C3B2A190}"
SOURCE_1 = "C5A0B6F2-1D3E-4F5A-8B9C-0D1E2F3A4B5C"
SOURCE_2 = "d6b1c7a3-2e4f-4a6b-9cad-1e2f3a4b5c6d"

# A transcript with CRLF line ends, accents, German and Chinese: what QDA tools export.
INTERVIEW = (
    "Interview with a procurement officer\r\n\r\n"
    "Q: Are the controls working?\r\n"
    "A: Honestly? We buy through Singapore now. Ça coûte plus cher, mais ça marche.\r\n"
    "Q: And domestic chips?\r\n"
    "A: Die Ausbeute ist zu niedrig. 国产芯片还不够用。\r\n"
)
BRIEF = "Field note\n\nThe distributor said the shipment was relabelled twice before customs."


def span(raw: str, phrase: str) -> tuple[int, int]:
    start = raw.index(phrase)
    return start, start + len(phrase)


def selection(
    guid: str,
    raw: str,
    phrase: str,
    *,
    user: str,
    codes: list[tuple[str, str]],
    inclusive: bool = True,
    description: str = "",
    notes: tuple[str, ...] = (),
) -> str:
    start, end = span(raw, phrase)
    last = end - 1 if inclusive else end
    name = phrase if not inclusive else phrase[:20]
    codings = "".join(
        f'<Coding guid="{cg}" creatingUser="{user}"><CodeRef targetGUID="{code}"/>'
        + (f'<NoteRef targetGUID="{note}"/>' if note else "")
        + "</Coding>"
        for cg, code, note in ((f"{guid[:-4]}{n:04d}", c, nt) for n, (c, nt) in enumerate(codes))
    )
    desc = f"<Description>{description}</Description>" if description else ""
    refs = "".join(f'<NoteRef targetGUID="{n}"/>' for n in notes)
    return (
        f'<PlainTextSelection guid="{guid}" name="{name}" startPosition="{start}" '
        f'endPosition="{last}" creatingUser="{user}" creationDateTime="2024-05-02T10:00:00Z">'
        f"{desc}{codings}{refs}</PlainTextSelection>"
    )


CODE_STATE = "11111111-aaaa-4aaa-8aaa-000000000001"
CODE_MINISTRY = "11111111-aaaa-4aaa-8aaa-000000000002"
CODE_EXPLOITS = "11111111-aaaa-4aaa-8aaa-000000000003"
CODE_DOUBT = "11111111-aaaa-4aaa-8aaa-000000000004"
CODE_EVASION = "11111111-aaaa-4aaa-8aaa-000000000005"
NOTE_1 = "22222222-bbbb-4bbb-8bbb-000000000001"
NOTE_2 = "22222222-bbbb-4bbb-8bbb-000000000002"
NOTE_3 = "22222222-bbbb-4bbb-8bbb-000000000003"
SEL_1 = "33333333-cccc-4ccc-8ccc-000000000001"
SEL_2 = "33333333-cccc-4ccc-8ccc-000000000002"
SEL_3 = "33333333-cccc-4ccc-8ccc-000000000003"


def foreign_project() -> str:
    """A project.qde in the style of QualCoder / ATLAS.ti, unlike Assay's own exports."""
    return f"""<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Procurement interviews" origin="QualCoder 3.5"
 creatingUserGUID="{MARIA}" creationDateTime="2024-05-01T09:00:00Z">
  <Users>
    <User guid="{MARIA}" name="María López"/>
    <User guid="{JONAS}" name="Jonas Krell"/>
    <User guid="44444444-dddd-4ddd-8ddd-000000000009" name="Export robot"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="11111111-aaaa-4aaa-8aaa-000000000000" name="Actors" isCodable="false">
      <Code guid="{CODE_STATE}" name="State" isCodable="true" color="#FF0000">
        <Description>government bodies</Description>
        <Code guid="{CODE_MINISTRY}" name="Ministry (trade)" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="{CODE_EXPLOITS}" name="Capability::Exploits" isCodable="true" color="#00F"/>
    <Code guid="{CODE_DOUBT}" name="Méfiance" isCodable="true"/>
    <Code guid="{CODE_EVASION}" name="Evasion/Transshipment" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE_1}" name="Interview 3 — officer" plainTextPath="internal://{
        SOURCE_1
    }.txt"
     creatingUser="{MARIA}">
      {
        selection(
            SEL_1,
            INTERVIEW,
            "We buy through Singapore now.",
            user=MARIA,
            codes=[(CODE_EVASION, NOTE_1), (CODE_MINISTRY, NOTE_2)],
            description="Key admission",
        )
    }
      {
        selection(
            SEL_2,
            INTERVIEW,
            "Die Ausbeute ist zu niedrig. 国产芯片还不够用。",
            user=JONAS,
            codes=[(CODE_DOUBT, "")],
            inclusive=False,
        )
    }
      <Coding guid="55555555-eeee-4eee-8eee-000000000001"><CodeRef targetGUID="{
        CODE_STATE
    }"/></Coding>
    </TextSource>
    <TextSource guid="{SOURCE_2}" name="Field note: distributor">
      <PlainTextContent>{BRIEF}</PlainTextContent>
      {
        selection(
            SEL_3,
            BRIEF,
            "relabelled twice before customs",
            user=JONAS,
            codes=[(CODE_EXPLOITS, "")],
            notes=(NOTE_3,),
        )
    }
    </TextSource>
    <PictureSource guid="66666666-ffff-4fff-8fff-000000000001" name="photo.jpg"
     path="internal://66666666-ffff-4fff-8fff-000000000001.jpg"/>
  </Sources>
  <Notes>
    <Note guid="{NOTE_1}" name="Route" creatingUser="{JONAS}">
      <PlainTextContent>Singapore again, third interview to say so.</PlainTextContent></Note>
    <Note guid="{NOTE_2}" name="" creatingUser="{MARIA}">
      <PlainTextContent>Which ministry? Ask in follow-up.</PlainTextContent></Note>
    <Note guid="{NOTE_3}" name="Memo" creatingUser="{MARIA}">
      <PlainTextContent>Check customs records.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="77777777-aaaa-4aaa-8aaa-000000000001" name="Memo-Quotation Relation"
     direction="OneWay" originGUID="{SEL_1}" targetGUID="{SEL_3}"/>
  </Links>
  <Sets><Set guid="88888888-aaaa-4aaa-8aaa-000000000001" name="Wave 1">
    <MemberSource targetGUID="{SOURCE_1}"/></Set></Sets>
</Project>
"""


def write_qdpx(path: Path, members: dict[str, bytes | str], **kwargs) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "ws", profile=ANALYST)
    yield w
    w.close()


def test_project_from_another_tool(ws, tmp_path):
    path = write_qdpx(
        tmp_path / "interviews.qdpx",
        {
            "Project.qde": foreign_project(),
            f"Sources/{SOURCE_1}.txt": "\ufeff" + INTERVIEW,  # a BOM, as some tools write
            f"Sources/{SOURCE_1}.docx": b"PK not really a docx",
        },
    )
    assert detect_format(path) == "refiqda"
    summary = import_annotations(ws, path)
    assert len(summary.documents_created) == 2 and len(summary.annotations_created) == 3
    skipped = " | ".join(summary.skipped)
    for reason in ("PictureSource 'photo.jpg'", "whole source", "Memo-Quotation Relation", "sets"):
        assert reason in skipped
    docs = {d["title"]: ws.document(d["id"]) for d in ws.list_documents()}
    assert set(docs) == {"Interview 3 — officer", "Field note: distributor"}
    interview = docs["Interview 3 — officer"]
    assert "\r" not in interview.text
    anns = {a.quote: a for a in ws.annotations(interview.id)}
    # inclusive end (the spec) and exclusive end (named by its text) both land on the phrase
    first = anns["We buy through Singapore now."]
    assert interview.text[first.start : first.end] == first.quote
    assert first.kind == "note"
    assert first.tags == ["actors/state/ministry trade", "evasion/transshipment"]
    assert first.comment == (
        "Key admission\n\n"
        "Route: Singapore again, third interview to say so. — Jonas Krell\n\n"
        "Which ministry? Ask in follow-up.\n\n"
        "Originally by María López in QualCoder 3.5."
    )
    second = anns["Die Ausbeute ist zu niedrig. 国产芯片还不够用。"]
    assert second.tags == ["méfiance"]
    assert second.comment == "Originally by Jonas Krell in QualCoder 3.5."
    brief = docs["Field note: distributor"]
    (third,) = ws.annotations(brief.id)
    assert third.quote == "relabelled twice before customs"
    assert third.tags == ["capability/exploits"]
    assert third.comment.startswith("Memo: Check customs records. — María López")
    tags = {t["name"] for t in ws.tags()}
    assert {"actors", "actors/state", "capability", "evasion"} <= tags
    # importing the same project again changes nothing
    again = import_refiqda(ws, path)
    assert again.annotations_created == [] and again.duplicates == 3
    assert again.documents_created == []


def test_a_failure_after_the_sources_were_stored_leaves_nothing(ws, tmp_path, monkeypatch):
    """Sources, their metadata and the codings are one transaction: a failure while writing
    the third coding (a full disk, say) takes the two new documents back too."""
    from desktop.core.imports import common
    from desktop.core.kernel.errors import WorkspaceError

    path = write_qdpx(
        tmp_path / "interviews.qdpx",
        {"project.qde": foreign_project(), f"sources/{SOURCE_1}.txt": INTERVIEW},
    )
    real_create, made = common._create, []

    def failing_create(*args, **kwargs):
        if len(made) == 2:
            raise WorkspaceError("The disk is full.")
        made.append(1)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(common, "_create", failing_create)
    audit_before = ws.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    label = ws.undo_label()
    with pytest.raises(RefiImportError, match="The disk is full. Nothing was imported."):
        import_refiqda(ws, path)
    assert len(made) == 2  # two codings were written before the failure
    assert counts(ws) == (0, 0, 0, ())
    assert not [f for f in (ws.path / "blobs" / "sha256").rglob("*") if f.is_file()]
    assert ws.search("Singapore") == [] and ws.undo_label() == label
    assert ws.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    monkeypatch.setattr(common, "_create", real_create)
    summary = import_refiqda(ws, path)
    assert len(summary.documents_created) == 2 and len(summary.annotations_created) == 3
    assert ws.undo_label() == "Import REFI-QDA (interviews.qdpx)"  # one step for all of it
    assert {h.title for h in ws.search("Singapore")} == {"Interview 3 — officer"}
    ws.undo()  # one step: the codings and the documents the project brought go together
    assert counts(ws)[:2] == (0, 0) and ws.undo_label() == label


def test_claim_note_is_parsed():
    parsed = parse_claim_note(
        "Assay claim\nStatement: two\n  lines\nCredibility: 2 (probably "
        "true)\nLikelihood: roughly even chance (45–55 %)\n"
        "Confidence: low\nRationale: r"
    )
    assert parsed == {
        "statement": "two\nlines",
        "credibility": "2",
        "likelihood": "roughly even chance",
        "confidence": "low",
        "rationale": "r",
        "status": None,
    }
    assert parse_claim_note("A memo") is None


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", foreign_project())
        info = zipfile.ZipInfo("sources/link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return path


BAD = {
    "not a zip": (lambda p: _write(p, b"plain text, not an archive"), "not a readable ZIP"),
    "traversal": (
        lambda p: write_qdpx(p, {"project.qde": foreign_project(), "../../evil.txt": "x"}),
        "unsafe path",
    ),
    "absolute": (
        lambda p: write_qdpx(p, {"project.qde": foreign_project(), "/etc/cron": "x"}),
        "unsafe path",
    ),
    "symlink": (_symlink_zip, "symbolic link"),
    "zip bomb": (
        lambda p: write_qdpx(
            p, {"project.qde": foreign_project(), f"sources/{SOURCE_1}.txt": b"\0" * (8 * 2**20)}
        ),
        "zip bomb",
    ),
    "no project": (lambda p: write_qdpx(p, {"sources/a.txt": "x"}), "no project.qde"),
    "entity bomb": (
        lambda p: write_qdpx(
            p,
            {
                "project.qde": (
                    '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Project name="&b;"/>'
                )
            },
        ),
        "refused for safety",
    ),
    "malformed": (
        lambda p: write_qdpx(p, {"project.qde": "<Project><Sources>"}),
        "not well-formed",
    ),
    "wrong root": (lambda p: write_qdpx(p, {"project.qde": "<CodeBook/>"}), "not a REFI-QDA"),
    "not utf-8": (
        lambda p: write_qdpx(
            p, {"project.qde": foreign_project(), f"sources/{SOURCE_1}.txt": "Ça".encode("latin-1")}
        ),
        "not UTF-8",
    ),
    "bad offsets": (
        lambda p: write_qdpx(
            p,
            {
                "project.qde": foreign_project().replace('startPosition="', 'startPosition="x'),
                f"sources/{SOURCE_1}.txt": INTERVIEW,
            },
        ),
        "numeric startPosition",
    ),
    "nothing textual": (
        lambda p: write_qdpx(
            p,
            {
                "project.qde": (
                    '<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources>'
                    '<PictureSource guid="66666666-ffff-4fff-8fff-000000000001"/></Sources></Project>'
                )
            },
        ),
        "no text source",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_hostile_or_broken_projects_change_nothing(ws, tmp_path, case):
    make, message = BAD[case]
    path = make(tmp_path / f"{case.replace(' ', '-')}.qdpx")
    before = counts(ws)
    with pytest.raises(RefiImportError, match=message):
        import_refiqda(ws, path)
    assert counts(ws) == before
    assert not list((ws.path / "blobs" / "sha256").rglob("*?"))  # no document bytes stored


def test_review_note_times_that_utc_cannot_hold_are_refused_not_raised():
    from desktop.core.imports.refiqda import _stamp

    assert _stamp("2024-01-01T10:00:00Z") == "2024-01-01T10:00:00.000000Z"
    assert _stamp("2024-01-01T12:00:00+02:00") == "2024-01-01T10:00:00.000000Z"
    assert _stamp("0001-01-01T00:00:00+01:00") is None  # before year 1 in UTC
    assert _stamp("yesterday") is None

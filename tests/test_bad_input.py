"""Hostile and broken files through the real import path: clear per-file errors, store intact."""

from __future__ import annotations

import io
import zipfile

from .test_ingest import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    PDF_PAGES,
    make_docx,
    make_pdf,
    rewrite_zip,
)


def test_a_batch_of_bad_files_fails_file_by_file_and_check_passes(ws, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "good.txt"
    good.write_text("A good report\n\nExport controls tighten.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "notes.xyz").write_bytes(b"hello")  # found in a folder: ignored, listed
    (folder / "fake.pdf").write_bytes(b"this is not a pdf at all")
    (folder / "locked.pdf").write_bytes(make_pdf(PDF_PAGES, password="secret"))
    docx = make_docx(tmp_path)
    (folder / "laughs.docx").write_bytes(rewrite_zip(docx, {"word/document.xml": BILLION_LAUGHS}))
    (folder / "xxe.docx").write_bytes(rewrite_zip(docx, {"word/document.xml": EXTERNAL_ENTITY}))
    bomb = io.BytesIO(docx)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("word/media/zeros.bin", "w") as part:
            for _ in range(16):
                part.write(bytes(1024 * 1024))
    (folder / "bomb.docx").write_bytes(bomb.getvalue())
    with open(folder / "huge.html", "wb") as fh:  # sparse: 50 MB on paper, instant to make
        fh.truncate(50 * 1024 * 1024)
    explicit_unsupported = tmp_path / "picture.bmp"
    explicit_unsupported.write_bytes(b"BM")

    vanishing = folder / "zz-vanishing.txt"
    vanishing.write_text("Gone soon\n\nbody", encoding="utf-8")

    def progress(done, total, name):
        if name == "xxe.docx" and vanishing.exists():
            vanishing.unlink()  # disappears after the listing, before it is read

    report = ws.import_paths([folder, explicit_unsupported], progress=progress)
    reasons = {p.path.rsplit("/", 1)[-1]: p.reason for p in report.failed}
    assert [ws.document(i).title for i in report.imported] == ["A good report"]
    assert "empty" in reasons["empty.txt"]
    assert "does not look like text" in reasons["junk.txt"]
    assert "not a readable PDF" in reasons["fake.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "XML entity declarations" in reasons["laughs.docx"]
    assert "XML entity declarations" in reasons["xxe.docx"]
    assert "zip bomb" in reasons["bomb.docx"]
    assert "50 MB" in reasons["huge.html"] and "up to 25 MB" in reasons["huge.html"]
    assert "Unsupported file type '.bmp'" in reasons["picture.bmp"]
    assert "disappeared" in reasons["zz-vanishing.txt"]
    assert [p.rsplit("/", 1)[-1] for p in report.skipped] == ["notes.xyz"]
    assert ws.count_documents() == 1
    check = ws.check()
    assert check.ok, check.problems

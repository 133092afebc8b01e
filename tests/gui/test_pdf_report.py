"""The PDF report: QTextDocument pages with the TLP banner painted on every one."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QTextDocument, QTextTable

from desktop.core.exports import Selection
from desktop.ui.pdf_report import _keep_tables_whole, export_pdf, render_pdf

from ..test_exports_common import workspace_copy


@pytest.fixture
def work(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    yield ws, ids
    ws.close()


def page_texts(pdf) -> list[str]:
    exe = shutil.which("pdftotext")
    if exe is None:  # poppler is a desktop nicety; pypdf (a dependency) reads pages too
        from pypdf import PdfReader

        # pypdf separates Qt's words with tabs: fold each line's white space to spaces
        pages = (p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
        return [
            "\n".join(" ".join(line.split()) for line in t.splitlines()) for t in pages if t.strip()
        ]
    out = subprocess.run(
        [exe, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [p for p in out.split("\f") if p.strip()]


def test_pdf_report_has_the_banner_on_every_page(qapp, work, tmp_path):
    ws, ids = work
    dest = tmp_path / "report.pdf"
    result = export_pdf(ws, dest, Selection(ceiling="AMBER"), title="Exploit agents")
    assert result.highest_marking == "AMBER" and result.claims == 3
    assert dest.read_bytes().startswith(b"%PDF")
    pages = page_texts(dest)
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        flat = " ".join(page.split())
        assert flat.startswith("TLP:AMBER"), flat[:40]  # the banner heads the page
        assert flat.count("TLP:AMBER") >= 2  # and is repeated in the footer
        assert f"page {n} of {len(pages)}" in flat
    cover = pages[0]
    assert "Exploit agents" in cover and "ceiling TLP:AMBER" in cover
    assert "Claims by likelihood and confidence" in cover
    body = "\n".join(pages[1:])
    assert "C2 · likely (55–80 %)" in body and "Analytic confidence: moderate." in body
    assert "informant" not in "\n".join(pages)


def test_render_pdf_many_pages_and_no_claim_split(qapp, tmp_path):
    claim = (
        "<table border='1' width='100%'>"
        + "".join(f"<tr><td>row {r}</td><td>{'text ' * 30}</td></tr>" for r in range(6))
        + "</table>"
    )
    html = "<html><body><h1>Long</h1>" + "<p>gap</p>".join([claim] * 25) + "</body></html>"
    pages = render_pdf(html, tmp_path / "long.pdf", marking="GREEN", title="Long")
    assert pages >= 5
    texts = page_texts(tmp_path / "long.pdf")
    assert len(texts) == pages and all("TLP:GREEN" in t for t in texts)
    # a table that fits on a page is moved whole to the next page
    doc = QTextDocument()
    doc.setHtml(html)
    height = 600.0
    doc.setPageSize(QSizeF(400, height))
    _keep_tables_whole(doc, height)
    layout = doc.documentLayout()
    for frame in doc.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            rect = layout.frameBoundingRect(frame)
            assert int(rect.top() // height) == int((rect.bottom() - 1) // height)


def test_cli_pdf_command(qapp, work, tmp_path, capsys):
    from desktop.cli import main

    ws, _ids = work
    ws.close()
    code = main(
        ["export", "pdf", str(tmp_path / "r.pdf"), "-w", str(ws.path), "--ceiling", "GREEN"]
    )
    assert code == 0
    assert "PDF report" in capsys.readouterr().out
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")

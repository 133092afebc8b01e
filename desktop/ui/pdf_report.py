"""The PDF claims report: the core's HTML laid out by QTextDocument, written by QPdfWriter.

QTextDocument.print_() has no running header or footer, so each page is painted here: the TLP
banner at the top and the bottom of every page (FIRST colours, coloured label on black), the
page's slice of the laid-out document between them, and the page number in the footer.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextTable,
)

from desktop.core.exports.output import ExportResult
from desktop.core.exports.report import render_html
from desktop.core.exports.selection import Selection, gather
from desktop.core.kernel import scales
from desktop.core.kernel.errors import ExportError
from desktop.core.workspace import Workspace

RESOLUTION = 300  # dots per inch of the PDF's coordinate system (text and lines stay vectors)
MARGIN_MM = 15.0
BANNER_MM = 6.5
GAP_MM = 4.0


def ensure_application() -> QGuiApplication:
    """A QGuiApplication for fonts and painting; offscreen unless the caller chose a platform."""
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from desktop.ui.compat import keep_singletons_alive

        keep_singletons_alive()
        app = QGuiApplication(["assay-pdf"])
    return app


def _font(pixels: float | None = None, *, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    if pixels is None:
        font.setPointSizeF(10)
    else:
        font.setPixelSize(max(1, int(pixels)))
    font.setBold(bold)
    for feature in ("liga", "clig"):  # "fi" ligatures would make the PDF's text unsearchable
        font.setFeature(QFont.Tag(feature), 0)
    return font


def _draw_banner(
    painter: QPainter, rect: QRectF, marking: str, left: str = "", right: str = ""
) -> None:
    fg, bg = scales.TLP_COLOURS[marking]
    painter.save()
    painter.fillRect(rect, QColor(bg))
    painter.setFont(_font(rect.height() * 0.55, bold=True))
    painter.setPen(QColor(fg))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"TLP:{marking}")
    if left or right:
        painter.setFont(_font(rect.height() * 0.42))
        painter.setPen(QColor("#e2e8f0"))
        inner = rect.adjusted(rect.height() * 0.6, 0, -rect.height() * 0.6, 0)
        if left:
            painter.drawText(
                inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, left
            )
        if right:
            painter.drawText(
                inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, right
            )
    painter.restore()


def render_pdf(html: str, dest: Path | str, *, marking: str, title: str = "Claims report") -> int:
    """Lay out HTML on A4 pages with a TLP banner on each; returns the number of pages."""
    ensure_application()
    marking = scales.check_marking(marking)
    dest = Path(dest)
    if not dest.parent.is_dir():
        raise ExportError(f"The folder {dest.parent} does not exist; create it or choose another.")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        pages = _write(html, tmp, marking, title)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return pages


def _keep_tables_whole(doc: QTextDocument, page_height: float) -> None:
    """Keep each claim (one table) on one page, and a document's heading with its first claim.

    QTextDocument has no `page-break-inside: avoid` or `page-break-after: avoid`, so a table
    that would straddle a page break, or that starts a page its heading is not on, gets a page
    break before it (before the heading, if it has one)."""
    layout = doc.documentLayout()

    def page(y: float) -> int:
        return int(y // page_height)

    for frame in doc.rootFrame().childFrames():
        if not isinstance(frame, QTextTable):
            continue
        rect = layout.frameBoundingRect(frame)
        if rect.height() >= page_height * 0.95:
            continue
        # the first row may have been pushed to the next page while the frame starts here
        top = layout.blockBoundingRect(frame.cellAt(0, 0).firstCursorPosition().block()).top()
        first, last = page(max(rect.top(), top)), page(rect.bottom() - 1)
        heading = _heading_before(doc, frame.firstPosition())
        stranded = heading is not None and page(layout.blockBoundingRect(heading).top()) < first
        if first == last and not stranded:
            continue
        if heading is not None:
            fmt = heading.blockFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            QTextCursor(heading).setBlockFormat(fmt)
        else:
            fmt = frame.frameFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            frame.setFrameFormat(fmt)


def _heading_before(doc: QTextDocument, position: int, blocks: int = 3) -> QTextBlock | None:
    """The heading a few blocks above POSITION, if only its caption lies between them."""
    block = doc.findBlock(max(0, position - 1))
    for _ in range(blocks):
        if not block.isValid():
            return None
        if block.blockFormat().headingLevel():
            return block
        if QTextCursor(block).currentTable() is not None or block.textList() is not None:
            return None
        block = block.previous()
    return None


def _write(html: str, path: str, marking: str, title: str) -> int:
    writer = QPdfWriter(path)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle(f"{title} — TLP:{marking}")
    writer.setCreator("Assay")
    mm = RESOLUTION / 25.4
    page = QRectF(writer.pageLayout().fullRectPixels(RESOLUTION))
    margin, band, gap = MARGIN_MM * mm, BANNER_MM * mm, GAP_MM * mm
    top_band = QRectF(margin, margin * 0.6, page.width() - 2 * margin, band)
    bottom_band = QRectF(
        margin, page.height() - margin * 0.6 - band, page.width() - 2 * margin, band
    )
    content = QRectF(
        margin,
        top_band.bottom() + gap,
        page.width() - 2 * margin,
        bottom_band.top() - gap - (top_band.bottom() + gap),
    )

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(_font())
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(content.width(), content.height()))
    _keep_tables_whole(doc, content.height())
    count = doc.pageCount()

    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError(f"Could not write the PDF {path}.")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for n in range(count):
            if n:
                writer.newPage()
            _draw_banner(painter, top_band, marking)
            _draw_banner(
                painter, bottom_band, marking, left=title, right=f"page {n + 1} of {count}"
            )
            painter.save()
            painter.translate(content.left(), content.top() - n * content.height())
            doc.drawContents(
                painter, QRectF(0, n * content.height(), content.width(), content.height())
            )
            painter.restore()
    finally:
        painter.end()
    return count


def export_pdf(
    ws: Workspace,
    dest: Path | str,
    selection: Selection | None = None,
    *,
    title: str = "Claims report",
) -> ExportResult:
    """Write the selection's claims report as a PDF with the highest marking on every page."""
    data = gather(ws, selection).claims_only()
    render_pdf(
        render_html(data, title=title, paged=True), dest, marking=data.highest_marking, title=title
    )
    return ExportResult.of(Path(dest), "PDF report", data)

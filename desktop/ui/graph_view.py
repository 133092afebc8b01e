"""The claim graph: claims grouped by document or source, their links, contradictions between
sources of different reliability drawn distinctly; laid out on the reader thread; PNG and SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.errors import AssayError, Cancelled
from desktop.core.kernel.scales import TAG_PALETTE
from desktop.core.services.graph import ClaimGraph
from desktop.core.workspace import Workspace

from .operations import error_box
from .theme import app_font
from .worker import Job, JobCancelled, SerialWorker

try:  # QtSvg ships with PySide6-Essentials; say so plainly if a build lacks it
    from PySide6.QtSvg import QSvgGenerator
except ImportError:  # pragma: no cover - every supported PySide6 has it
    QSvgGenerator = None

UNIT = 34.0  # pixels per layout unit
NODE_RADIUS = 7.0
LABEL_LIMIT = 250  # past this many claims, only the groups are labelled (hover for the rest)
EDGE_DETAIL_LIMIT = 1500  # past this many links: solid lines, no antialiasing (see _draw_edges)
EDGES_PER_PIECE = 250
DRAW_CHUNK = 400  # claims drawn per turn of the event loop, so a large graph never blocks it
RELATION_STYLE = {  # colour, width, pen style
    "corroborates": ("#2F855A", 1.6, Qt.PenStyle.SolidLine),
    "contradicts": ("#C05621", 1.6, Qt.PenStyle.DashLine),
    "refines": ("#3B6FD8", 1.4, Qt.PenStyle.SolidLine),
    "duplicates": ("#8A94A6", 1.2, Qt.PenStyle.DotLine),
}
HIGHLIGHT = "#D6204E"  # a contradiction between sources of different reliability


class ExportError(AssayError):
    """The graph could not be written where the user asked."""


def build_graph(
    ws: Workspace, group: str, tag: str | None, *, progress=None, cancel=None
) -> tuple[ClaimGraph, dict]:
    """On the reader thread: the graph and its layout."""
    graph = ws.claim_graph(group=group, tag=tag)
    return graph, ws.graph_layout(graph, progress=progress, cancel=cancel)


def group_colour(index: int) -> QColor:
    return QColor(TAG_PALETTE[index % len(TAG_PALETTE)])


def _elide(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class GraphCanvas(QGraphicsView):
    """Pan by dragging, zoom with the wheel (about the pointer); a click on a claim says so."""

    node_clicked = Signal(str)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setObjectName("claimGraphCanvas")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        self.zoom(1.15**steps)

    def zoom(self, factor: float) -> None:
        scale = self.transform().m11() * factor
        if 0.02 <= scale <= 8:
            self.scale(factor, factor)

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and item.data(0) is None:
            item = item.parentItem()
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            self.node_clicked.emit(item.data(0))
            event.accept()
            return
        super().mousePressEvent(event)


class ClaimGraphView(QWidget):
    """The graph of claims and links; reads and lays out on the reader thread."""

    claim_activated = Signal(str, str)  # document id, claim id
    drawn = Signal()  # the graph asked for last is on screen

    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("claimGraphView")
        self.ws, self.reads = ws, reads
        self.graph: ClaimGraph | None = None
        self.positions: dict[str, tuple[float, float]] = {}
        self.nodes: dict[str, QGraphicsEllipseItem] = {}
        self.job: Job | None = None
        self._generation = 0
        self._pending: list = []
        self._drawer = QTimer(self, interval=0)
        self._drawer.timeout.connect(self._draw_some)

        self.group_choice = QComboBox()
        self.group_choice.setObjectName("graphGroup")
        self.group_choice.addItem("Group by document", "document")
        self.group_choice.addItem("Group by source", "source")
        self.tag_choice = QComboBox()
        self.tag_choice.setObjectName("graphTag")
        self.tag_choice.setMinimumContentsLength(18)
        self.fit_button = QPushButton("Fit")
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        if QSvgGenerator is None:
            self.svg_button.setEnabled(False)
            self.svg_button.setToolTip("This PySide6 build has no QtSvg")
        self.progress = QProgressBar()
        self.progress.setObjectName("graphProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.status = QLabel()
        self.status.setObjectName("graphStatus")

        self.scene = QGraphicsScene(self)
        self.canvas = GraphCanvas(self.scene, self)
        self.canvas.node_clicked.connect(self._clicked)
        self.legend = QLabel(self._legend_html())
        self.legend.setObjectName("graphLegend")

        top = QHBoxLayout()
        top.addWidget(self.group_choice)
        top.addWidget(QLabel("Tag:"))
        top.addWidget(self.tag_choice)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.status, 1)
        top.addWidget(self.fit_button)
        top.addWidget(self.png_button)
        top.addWidget(self.svg_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)

        self.fill_tags()
        self.group_choice.currentIndexChanged.connect(lambda _i: self.refresh())
        self.tag_choice.currentIndexChanged.connect(lambda _i: self.refresh())
        self.fit_button.clicked.connect(self.fit)
        self.png_button.clicked.connect(lambda: self._choose_export("png"))
        self.svg_button.clicked.connect(lambda: self._choose_export("svg"))
        self.cancel_button.clicked.connect(self.cancel)

    # -- choosing ------------------------------------------------------------------------------
    def fill_tags(self) -> None:
        current = self.tag_choice.currentData()
        self.tag_choice.blockSignals(True)
        self.tag_choice.clear()
        self.tag_choice.addItem("All claims", None)
        for name in sorted(t["name"] for t in self.ws.tags()):
            self.tag_choice.addItem(name, name)
        index = self.tag_choice.findData(current)
        self.tag_choice.setCurrentIndex(max(index, 0))
        self.tag_choice.blockSignals(False)

    def set_filter(self, *, group: str = "document", tag: str | None = None) -> Job:
        """Choose the grouping and the tag (None: every claim) and lay the graph out again."""
        for combo, value in ((self.group_choice, group), (self.tag_choice, tag)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        return self.refresh()

    # -- reading and laying out ---------------------------------------------------------------
    def refresh(self) -> Job:
        """Read the graph and lay it out on the reader thread; drawn when it arrives."""
        self.cancel()
        self._generation += 1
        generation = self._generation
        group, tag = self.group_choice.currentData(), self.tag_choice.currentData()
        self.status.setText("Laying out the graph…")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        job = self.reads.submit(build_graph, self.ws, group, tag)
        self.job = job
        job.progress.connect(self._progress)
        job.finished.connect(lambda result, g=generation: self._laid_out(g, result))
        job.failed.connect(lambda exc, g=generation: self._failed(g, exc))
        return job

    def cancel(self) -> None:
        if self.job is not None and not self.job.done:
            self.job.cancel()
        self.job = None
        self._drawer.stop()
        self._pending = []
        self.progress.hide()
        self.cancel_button.hide()

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message + "…")

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.progress.hide()
        self.cancel_button.hide()
        if isinstance(exc, Cancelled | JobCancelled):
            self.status.setText("Layout cancelled.")
            return
        self.status.setText("")
        error_box(exc, self, "lay out the claim graph")

    def _laid_out(self, generation: int, result) -> None:
        if generation != self._generation:
            return
        self.job = None
        graph, positions = result
        self.graph, self.positions = graph, positions
        self.scene.clear()
        self.nodes = {}
        self._draw_groups(graph, positions)
        self._draw_edges(graph, positions)
        colours = {g.id: group_colour(i) for i, g in enumerate(graph.groups)}
        labelled = len(graph.nodes) <= LABEL_LIMIT
        self._pending = [(n, colours[n.group], labelled) for n in graph.nodes]
        self.progress.setRange(0, max(len(self._pending), 1))
        self.progress.setValue(0)
        self.status.setText("Drawing…")
        self._drawer.start()
        if not self._pending:
            self._draw_some()

    # -- drawing ------------------------------------------------------------------------------
    def _point(self, node_id: str) -> QPointF:
        x, y = self.positions[node_id]
        return QPointF(x * UNIT, y * UNIT)

    def _draw_groups(self, graph: ClaimGraph, positions: dict) -> None:
        text = self.palette().color(QPalette.ColorRole.WindowText)
        font = app_font()
        font.setBold(True)
        members: dict[str, list[QPointF]] = {}
        for n in graph.nodes:
            members.setdefault(n.group, []).append(self._point(n.id))
        labelled = len(graph.groups) <= 300
        for i, g in enumerate(graph.groups):
            points = members.get(g.id)
            if not points:
                continue
            cx = sum(p.x() for p in points) / len(points)
            cy = sum(p.y() for p in points) / len(points)
            reach = max(((p.x() - cx) ** 2 + (p.y() - cy) ** 2) ** 0.5 for p in points)
            r = reach + NODE_RADIUS + 10
            fill = group_colour(i)
            fill.setAlpha(34)
            edge = group_colour(i)
            edge.setAlpha(120)
            disc = self.scene.addEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r), QPen(edge, 1), fill)
            disc.setZValue(-2)
            disc.setToolTip(f"{g.name} — {g.size} claim{'s' if g.size != 1 else ''}")
            if labelled:
                label = QGraphicsSimpleTextItem(_elide(g.name, 42))
                label.setFont(font)
                label.setBrush(text)
                box = label.boundingRect()
                label.setPos(cx - box.width() / 2, cy - r - box.height() - 2)
                label.setZValue(3)
                self.scene.addItem(label)

    def _draw_edges(self, graph: ClaimGraph, positions: dict) -> None:
        # Dashed, antialiased pens over thousands of lines take seconds to paint: a large graph
        # tells its relations by colour alone, without antialiasing, in pieces the view can skip.
        large = len(graph.edges) > EDGE_DETAIL_LIMIT
        self.canvas.setRenderHint(QPainter.RenderHint.Antialiasing, not large)
        pieces: dict[str, list[QPainterPath]] = {r: [] for r in (*RELATION_STYLE, "highlight")}
        for n, e in enumerate(graph.edges):
            key = "highlight" if e.highlight else e.relation
            if n % EDGES_PER_PIECE == 0 or not pieces[key]:
                pieces[key].append(QPainterPath())
            path = pieces[key][-1]
            path.moveTo(self._point(e.from_id))
            path.lineTo(self._point(e.to_id))
        halo = QColor(HIGHLIGHT)
        halo.setAlpha(70)
        for key, paths in pieces.items():
            if key == "highlight":
                pens = [(QPen(QColor(HIGHLIGHT), 2.6), -0.5)]
                if not large:
                    pens.insert(0, (QPen(halo, 7.0), -0.6))
            else:
                colour, width, style = RELATION_STYLE[key]
                pen = QPen(QColor(colour), width, Qt.PenStyle.SolidLine if large else style)
                pens = [(pen, -1)]
            for pen, z in pens:
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                for path in paths:
                    item = QGraphicsPathItem(path)
                    item.setPen(pen)
                    item.setZValue(z)
                    self.scene.addItem(item)

    def _draw_some(self) -> None:
        chunk, self._pending = self._pending[:DRAW_CHUNK], self._pending[DRAW_CHUNK:]
        outline = QPen(self.palette().color(QPalette.ColorRole.Base), 1.2)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        small = app_font()
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7.0))
        for node, colour, labelled in chunk:
            p = self._point(node.id)
            dot = QGraphicsEllipseItem(
                QRectF(-NODE_RADIUS, -NODE_RADIUS, 2 * NODE_RADIUS, 2 * NODE_RADIUS)
            )
            dot.setPos(p)
            dot.setBrush(QBrush(colour))
            dot.setPen(outline)
            dot.setData(0, node.id)
            dot.setCursor(Qt.CursorShape.PointingHandCursor)
            dot.setToolTip(
                f"<b>{node.admiralty}</b> {node.statement}<br><i>{node.document}</i>"
                f" — {node.source}"
            )
            dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
            self.scene.addItem(dot)
            self.nodes[node.id] = dot
            if labelled:
                label = QGraphicsSimpleTextItem(
                    f"{node.admiralty} {_elide(node.statement, 28)}", dot
                )
                label.setFont(small)
                label.setBrush(text)
                label.setPos(NODE_RADIUS + 3, -label.boundingRect().height() / 2)
        self.progress.setValue(self.progress.maximum() - len(self._pending))
        if self._pending:
            return
        self._drawer.stop()
        self.progress.hide()
        self.cancel_button.hide()
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-40, -40, 40, 40))
        self.fit()
        g = self.graph
        if g is not None:
            counts = g.counts()
            self.status.setText(
                f"{len(g.nodes)} claims in {len(g.groups)} groups · {len(g.edges)} links"
                f" ({counts['contradicts']} contradictions, {counts['highlighted']} across"
                " reliabilities)"
            )
        self.drawn.emit()

    def fit(self) -> None:
        rect = self.scene.sceneRect()
        if not rect.isEmpty():
            self.canvas.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def _legend_html(self) -> str:
        parts = []
        for relation, (colour, _w, style) in RELATION_STYLE.items():
            line = {Qt.PenStyle.DashLine: "╌╌", Qt.PenStyle.DotLine: "┈┈"}.get(style, "——")
            parts.append(f"<span style='color:{colour}'><b>{line}</b></span> {relation}")
        parts.append(
            f"<span style='color:{HIGHLIGHT}'><b>━━</b></span> contradiction between sources"
            " of different reliability"
        )
        return "&nbsp;&nbsp;&nbsp;".join(parts) + "&nbsp;&nbsp;&nbsp;· click a claim to open it"

    def _clicked(self, node_id: str) -> None:
        if self.graph is None:
            return
        node = self.graph.node(node_id)
        self.claim_activated.emit(node.document_id, node.id)

    # -- exporting ----------------------------------------------------------------------------
    def _choose_export(self, kind: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            f"Export the claim graph as {kind.upper()}",
            f"claim-graph.{kind}",
            f"{kind.upper()} (*.{kind})",
        )
        if not name:
            return
        try:
            (self.export_png if kind == "png" else self.export_svg)(Path(name))
        except AssayError as exc:
            error_box(exc, self, "export the claim graph")

    def _render(self, painter: QPainter, target: QRectF) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(target, self.palette().color(QPalette.ColorRole.Base))
        self.scene.render(painter, target, self.scene.sceneRect())

    def _export_size(self, longest: int) -> QSize:
        rect = self.scene.sceneRect()
        scale = min(longest / max(rect.width(), rect.height(), 1.0), 2.0)
        return QSize(max(round(rect.width() * scale), 1), max(round(rect.height() * scale), 1))

    def export_png(self, path: Path, *, longest: int = 3000) -> Path:
        size = self._export_size(longest)
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self._render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        if not image.save(str(path), "PNG"):
            raise ExportError(f"Could not write {path}: check the folder exists and is writable.")
        self.status.setText(f"Saved {path}")
        return path

    def export_svg(self, path: Path) -> Path:
        if QSvgGenerator is None:
            raise ExportError("This PySide6 build has no QtSvg, so the graph cannot be SVG.")
        if not Path(path).parent.is_dir():
            raise ExportError(f"Could not write {path}: the folder does not exist.")
        size = self._export_size(2000)
        svg = QSvgGenerator()
        svg.setFileName(str(path))
        svg.setSize(size)
        svg.setViewBox(QRectF(0, 0, size.width(), size.height()))
        svg.setTitle("Claim graph")
        svg.setDescription("Claims and their links, exported from Assay")
        painter = QPainter(svg)
        self._render(painter, QRectF(0, 0, size.width(), size.height()))
        painter.end()
        self.status.setText(f"Saved {path}")
        return path


class ClaimGraphDialog(QDialog):
    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Claim graph")
        self.resize(1200, 820)
        self.view = ClaimGraphView(ws, reads, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def closeEvent(self, event) -> None:
        self.view.cancel()
        super().closeEvent(event)

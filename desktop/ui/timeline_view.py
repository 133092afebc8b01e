"""The timeline: documents, claims and judgement changes on one time axis, filtered by tag; a
click opens the document or claim. Read on the reader thread."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.services.timeline import TimelineEvent
from desktop.core.workspace import Workspace

from .graph_view import GraphCanvas, _elide
from .operations import error_box
from .theme import app_font
from .worker import Job, SerialWorker

LANES = (
    ("document", "Documents", "#3B6FD8"),
    ("claim", "Claims", "#2F855A"),
    ("judgement", "Judgement changes", "#B7791F"),
)
LANE_HEIGHT = 170.0
MARKER = 8.0
STACK = 11.0  # pixels between markers of one lane on one day
MAX_STACK = 12  # then a "+n" says how many more
WIDTH = 1500.0  # pixels for the whole span of days, before zooming


def _day(event: TimelineEvent) -> date:
    return date.fromisoformat(event.day)


class TimelineView(QWidget):
    """Documents, claims and judgement changes on one axis; click one to open it."""

    document_activated = Signal(str)  # document id
    claim_activated = Signal(str, str)  # document id, claim id
    judgement_activated = Signal(str)  # judgement id
    drawn = Signal()

    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timelineView")
        self.ws, self.reads = ws, reads
        self.events: list[TimelineEvent] = []
        self.markers: dict[str, QGraphicsItem] = {}  # "kind:id" → its marker
        self.job: Job | None = None
        self._generation = 0

        self.tag_choice = QComboBox()
        self.tag_choice.setObjectName("timelineTag")
        self.tag_choice.setMinimumContentsLength(18)
        self.status = QLabel()
        self.status.setObjectName("timelineStatus")
        self.detail = QLabel("Hover over a mark for its details; click it to open it.")
        self.detail.setObjectName("timelineDetail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.scene = QGraphicsScene(self)
        self.canvas = GraphCanvas(self.scene, self)
        self.canvas.setObjectName("timelineCanvas")
        self.canvas.node_clicked.connect(self._clicked)

        top = QHBoxLayout()
        top.addWidget(QLabel("Tag:"))
        top.addWidget(self.tag_choice)
        top.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.detail)

        self.fill_tags()
        self.tag_choice.currentIndexChanged.connect(lambda _i: self.refresh())

    def fill_tags(self) -> None:
        current = self.tag_choice.currentData()
        self.tag_choice.blockSignals(True)
        self.tag_choice.clear()
        self.tag_choice.addItem("Everything", None)
        for name in sorted(t["name"] for t in self.ws.tags()):
            self.tag_choice.addItem(name, name)
        self.tag_choice.setCurrentIndex(max(self.tag_choice.findData(current), 0))
        self.tag_choice.blockSignals(False)

    def set_tag(self, tag: str | None) -> Job:
        self.tag_choice.blockSignals(True)
        self.tag_choice.setCurrentIndex(max(self.tag_choice.findData(tag), 0))
        self.tag_choice.blockSignals(False)
        return self.refresh()

    def refresh(self) -> Job:
        self._generation += 1
        generation = self._generation
        self.status.setText("Reading…")
        job = self.reads.submit(self.ws.timeline, tag=self.tag_choice.currentData())
        self.job = job
        job.finished.connect(lambda events, g=generation: self._read(g, events))
        job.failed.connect(lambda exc, g=generation: self._failed(g, exc))
        return job

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.status.setText("")
            error_box(exc, self, "read the timeline")

    def _read(self, generation: int, events: list[TimelineEvent]) -> None:
        if generation != self._generation:
            return
        self.job = None
        self.events = events
        self.draw()
        counts = {k: sum(e.kind == k for e in events) for k, _n, _c in LANES}
        self.status.setText(
            f"{counts['document']} documents · {counts['claim']} claims · "
            f"{counts['judgement']} judgement changes"
        )
        self.drawn.emit()

    # -- drawing ------------------------------------------------------------------------------
    def draw(self) -> None:
        self.scene.clear()
        self.markers = {}
        text = self.palette().color(QPalette.ColorRole.WindowText)
        grid = self.palette().color(QPalette.ColorRole.Mid)
        font, small = app_font(), app_font()
        font.setBold(True)
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7.0))
        events = [e for e in self.events if e.day]
        if not events:
            note = self.scene.addSimpleText("Nothing on the timeline for this choice.", font)
            note.setBrush(text)
            return
        first, last = _day(events[0]), _day(events[-1])
        span = max((last - first).days, 1)
        per_day = WIDTH / span

        def x_of(d: date) -> float:
            return (d - first).days * per_day

        bottom = LANE_HEIGHT * len(LANES)
        # month ticks along the bottom
        month = date(first.year, first.month, 1)
        every = max(1, round(span / 30 / 14))  # about fourteen labels at most
        n = 0
        while month <= last:
            x = x_of(max(month, first))
            line = self.scene.addLine(x, 0, x, bottom, QPen(grid, 0.6, Qt.PenStyle.DotLine))
            line.setZValue(-2)
            if n % every == 0:
                label = self.scene.addSimpleText(month.strftime("%b %Y"), small)
                label.setBrush(text)
                label.setPos(x - label.boundingRect().width() / 2, bottom + 6)
            n += 1
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        self.scene.addLine(0, bottom, WIDTH, bottom, QPen(text, 1.2))
        for i, (kind, title, colour) in enumerate(LANES):
            base = LANE_HEIGHT * (i + 1) - 18
            self.scene.addLine(0, base + MARKER, WIDTH, base + MARKER, QPen(grid, 0.8))
            name = self.scene.addSimpleText(title, font)
            name.setBrush(QColor(colour))
            name.setPos(-name.boundingRect().width() - 16, base - name.boundingRect().height() / 2)
            self._draw_lane(kind, QColor(colour), base, x_of, text, small)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self.canvas.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def _draw_lane(self, kind, colour, base, x_of, text, small) -> None:
        stacks: dict[str, int] = {}
        last_label_end = -1e9
        for index, e in enumerate(self.events):
            if e.kind != kind or not e.day:
                continue
            height = stacks.get(e.day, 0)
            stacks[e.day] = height + 1
            x = x_of(_day(e))
            if height >= MAX_STACK:
                continue
            y = base - height * STACK
            marker = self._marker(kind, colour, QPointF(x, y))
            marker.setData(0, str(index))
            marker.setToolTip(self._describe(e))
            marker.setCursor(Qt.CursorShape.PointingHandCursor)
            marker.setAcceptHoverEvents(True)
            self.scene.addItem(marker)
            self.markers[f"{e.kind}:{e.id}"] = marker
            if kind != "claim" and height == 0 and x > last_label_end:
                label = QGraphicsSimpleTextItem(_elide(e.title, 38), marker)
                label.setFont(small)
                label.setBrush(text)
                label.setRotation(-40)
                label.setPos(4, -10)
                last_label_end = x + 12
        for day, count in stacks.items():
            if count > MAX_STACK:
                more = self.scene.addSimpleText(f"+{count - MAX_STACK}", small)
                more.setBrush(text)
                more.setPos(x_of(date.fromisoformat(day)) - 6, base - MAX_STACK * STACK - 14)

    def _marker(self, kind: str, colour: QColor, at: QPointF) -> QGraphicsPathItem:
        path, r = QPainterPath(), MARKER / 2 + 1
        if kind == "document":
            path.addRoundedRect(QRectF(-r, -r, 2 * r, 2 * r), 2, 2)
        elif kind == "claim":
            path.addEllipse(QPointF(0, 0), r - 0.5, r - 0.5)
        else:
            path.addPolygon(
                QPolygonF(
                    [
                        QPointF(0, -r - 1),
                        QPointF(r + 1, 0),
                        QPointF(0, r + 1),
                        QPointF(-r - 1, 0),
                        QPointF(0, -r - 1),
                    ]
                )
            )
        item = QGraphicsPathItem(path)
        item.setPos(at)
        item.setBrush(QBrush(colour))
        item.setPen(QPen(self.palette().color(QPalette.ColorRole.Base), 1))
        return item

    def _describe(self, e: TimelineEvent) -> str:
        when = {"published": "published", "imported": "imported (no publication date)"}.get(
            e.dated_by, "changed"
        )
        kind = {"document": "Document", "claim": "Claim", "judgement": "Judgement"}[e.kind]
        return f"<b>{kind}</b> · {e.day} ({when})<br>{e.title}<br><i>{e.detail}</i>"

    def _clicked(self, data: str) -> None:
        e = self.events[int(data)]
        self.detail.setText(self._describe(e).replace("<br>", " — "))
        if e.kind == "document":
            self.document_activated.emit(e.id)
        elif e.kind == "claim" and e.document_id:
            self.claim_activated.emit(e.document_id, e.id)
        else:
            self.judgement_activated.emit(e.id)


class TimelineDialog(QDialog):
    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Timeline")
        self.resize(1300, 720)
        self.view = TimelineView(ws, reads, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

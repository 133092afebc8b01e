"""The supervisor's dashboard: QtCharts of claims, ratings, reviews and agreement; PNG export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel import scales
from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import Workspace

from .agreement_view import ALPHA_HELP, PairsModel, pairs_table
from .dashboard_data import (
    DECISION_COLOURS,
    DECISION_LABELS,
    DECISIONS,
    STATUS_COLOURS,
    STATUS_LABELS,
    DashboardFigures,
    dashboard_figures,
    format_alpha,
    format_share,
)
from .operations import error_box
from .theme import app_font
from .worker import Job, SerialWorker

CHARTS = (
    ("status", "Claims by status"),
    ("analysts", "Claims by analyst"),
    ("tags", "Claims by tag (top 10)"),
    ("credibility", "Information credibility (Admiralty)"),
    ("likelihood", "Likelihood (ICD 203)"),
    ("agreement", "Agreement between analysts (team α)"),
    ("reviews", "Reviews per day (last 30 days)"),
)
BAR_COLOUR = "#5A8DEE"
# Admiralty credibility 1 (confirmed) … 5 (improbable) from green to red; 6 and unrated grey.
CREDIBILITY_COLOURS = {
    1: "#2F855A",
    2: "#68D391",
    3: "#ECC94B",
    4: "#ED8936",
    5: "#E53E3E",
    6: "#A0AEC0",
    None: "#718096",
}
UNRATED_COLOUR = "#718096"
# Admiralty credibility in the short words that fit beside a bar.
CREDIBILITY_SHORT = {
    1: "confirmed",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "cannot be judged",
}


class ExportError(AssayError):
    """A chart could not be written where the user asked."""


def chart_palette() -> dict[str, QColor]:
    """Chart colours from the application palette, so charts follow the light or dark theme."""
    palette = QApplication.palette()
    return {
        "background": palette.color(QPalette.ColorRole.Base),
        "text": palette.color(QPalette.ColorRole.WindowText),
        "grid": palette.color(QPalette.ColorRole.Mid),
        "muted": palette.color(QPalette.ColorRole.PlaceholderText),
    }


def new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.layout().setContentsMargins(0, 0, 0, 0)
    return chart


def style_chart(chart: QChart) -> None:
    """Text, background and grid from the palette; called after every series and axis is added."""
    colours = chart_palette()
    chart.setBackgroundBrush(colours["background"])
    chart.setPlotAreaBackgroundVisible(False)
    title_font = app_font()
    title_font.setWeight(QFont.Weight.DemiBold)
    title_font.setPointSizeF(max(title_font.pointSizeF(), 9.0) * 1.1)
    chart.setTitleFont(title_font)
    chart.setTitleBrush(colours["text"])
    legend = chart.legend()
    legend.setLabelColor(colours["text"])
    small = app_font()
    small.setPointSizeF(max(small.pointSizeF(), 9.0) * 0.9)
    legend.setFont(small)
    for axis in chart.axes():
        axis.setLabelsBrush(colours["text"])
        axis.setLabelsFont(app_font())
        axis.setTitleBrush(colours["text"])
        axis.setGridLineColor(colours["grid"])
        axis.setLinePenColor(colours["grid"])


def _attach(chart: QChart, series, x_axis: QAbstractAxis, y_axis: QAbstractAxis) -> None:
    chart.addSeries(series)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)


def count_step(maximum: float, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, 50…) giving at most `ticks` intervals up to `maximum`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m * ticks >= maximum:
                return step * m
        step *= 10


def _count_axis(maximum: float, title: str = "") -> QValueAxis:
    """Whole counts with round ticks: 0, 5, 10, 15 rather than 0, 4, 9, 14."""
    axis = QValueAxis()
    step = count_step(max(1.0, maximum))
    axis.setRange(0, step * max(1, -(-int(maximum) // step)))
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)
    axis.setLabelFormat("%d")
    if title:
        axis.setTitleText(title)
    return axis


def _category_axis(labels: list[str]) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(labels)
    return axis


def coloured_bars(title: str, rows: list[tuple[str, int, str]]) -> QChart:
    """Horizontal bars, each its own colour: one set per row, stacked so each fills its row.

    `rows` run top to bottom as (label, count, colour); the count goes into the label because
    a stacked series would print the empty segments' zeros too.
    """
    chart = new_chart(title)
    series = QHorizontalStackedBarSeries()
    series.setBarWidth(0.7)
    ordered = list(reversed(rows))  # a category axis on the left runs bottom to top
    for n, (label, count, colour) in enumerate(ordered):
        bar = QBarSet(label)
        bar.append([float(count) if i == n else 0.0 for i in range(len(ordered))])
        bar.setColor(QColor(colour))
        bar.setBorderColor(QColor(colour))
        series.append(bar)
    _attach(
        chart,
        series,
        _count_axis(max((c for _l, c, _c in rows), default=0), "claims"),
        _category_axis([f"{label}  {count}" for label, count, _c in ordered]),
    )
    chart.legend().hide()
    return chart


def status_chart(f: DashboardFigures) -> QChart:
    chart = new_chart(f"Claims by status ({f.claims})")
    series = QPieSeries()
    series.setHoleSize(0.45)
    series.setPieSize(0.85)
    for status, count in f.by_status:
        piece = series.append(f"{STATUS_LABELS[status]}  {count}", float(count))
        piece.setColor(QColor(STATUS_COLOURS[status]))
        piece.setBorderColor(chart_palette()["background"])
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


def analysts_chart(f: DashboardFigures) -> QChart:
    chart = new_chart("Claims by analyst")
    series = QHorizontalStackedBarSeries()
    series.setBarWidth(0.6)
    rows = list(reversed(f.by_analyst))
    for status in STATUS_LABELS:
        bar = QBarSet(STATUS_LABELS[status])
        bar.append([float(counts.get(status, 0)) for _name, counts in rows])
        bar.setColor(QColor(STATUS_COLOURS[status]))
        bar.setBorderColor(QColor(STATUS_COLOURS[status]))
        series.append(bar)
    most = max((sum(c.values()) for _n, c in f.by_analyst), default=0)
    _attach(
        chart,
        series,
        _count_axis(most, "claims"),
        _category_axis([name for name, _c in rows] or ["nobody yet"]),
    )
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def tags_chart(f: DashboardFigures) -> QChart:
    rows = [(name, count, BAR_COLOUR) for name, count in f.by_tag] or [
        ("no tags yet", 0, BAR_COLOUR)
    ]
    return coloured_bars("Claims by tag (top 10)", rows)


def credibility_chart(f: DashboardFigures) -> QChart:
    rows = []
    for value, count in f.credibility:
        label = f"{value} {CREDIBILITY_SHORT[value]}" if value else "not rated"
        rows.append((label, count, CREDIBILITY_COLOURS.get(value, UNRATED_COLOUR)))
    return coloured_bars("Information credibility (Admiralty)", rows)


def likelihood_chart(f: DashboardFigures) -> QChart:
    rows = []
    for key, count in f.likelihood:
        x = scales.LIKELIHOOD_BY_KEY.get(key or "")
        rows.append((x.label if x else "not rated", count, x.colour if x else UNRATED_COLOUR))
    return coloured_bars("Likelihood (ICD 203)", rows)


def reviews_chart(f: DashboardFigures) -> QChart:
    days = f.reviews_per_day
    chart = new_chart(f"Reviews per day (last {len(days)} days: {f.reviews})")
    series = QStackedBarSeries()
    series.setBarWidth(0.8)
    for decision in DECISIONS:
        bar = QBarSet(DECISION_LABELS[decision])
        bar.append([float(counts[decision]) for _day, counts in days])
        bar.setColor(QColor(DECISION_COLOURS[decision]))
        bar.setBorderColor(QColor(DECISION_COLOURS[decision]))
        series.append(bar)
    # A category axis needs distinct labels: name every fifth day (ending today), leave the
    # others blank with distinct invisible strings.
    labels = []
    for n, (day, _counts) in enumerate(days):
        if (len(days) - 1 - n) % 5 == 0:
            labels.append(f"{day.day} {day.strftime('%b')}")
        else:
            labels.append("\u200b" * (n + 1))
    most = max((sum(c.values()) for _d, c in days), default=0)
    x_axis = _category_axis(labels)
    x_axis.setLabelsAngle(-90)
    _attach(chart, series, x_axis, _count_axis(most, "decisions"))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def agreement_chart(f: DashboardFigures) -> QChart:
    a = f.agreement
    alphas = a.alphas if a else [("tags", None), ("credibility", None), ("likelihood", None)]
    chart = new_chart("Agreement between analysts (team α)")
    series = QStackedBarSeries()
    series.setBarWidth(0.55)
    colours = {"tags": "#805AD5", "credibility": "#2F855A", "likelihood": "#DD6B20"}
    for n, (name, value) in enumerate(alphas):
        bar = QBarSet(name)
        bar.append([float(value or 0.0) if i == n else 0.0 for i in range(len(alphas))])
        bar.setColor(QColor(colours[name]))
        bar.setBorderColor(QColor(colours[name]))
        series.append(bar)
    lowest = min([0.0, *(v for _n, v in alphas if v is not None)])
    y_axis = QValueAxis()
    y_axis.setRange(-1.0 if lowest < -0.5 else (-0.5 if lowest < 0 else 0.0), 1.0)
    y_axis.setTickCount(5 if lowest >= 0 else 7)
    y_axis.setLabelFormat("%.2f")
    y_axis.setTitleText("Krippendorff's α")
    labels = [f"{n}<br><b>{format_alpha(v)}</b>" for n, v in alphas]
    _attach(chart, series, _category_axis(labels), y_axis)
    chart.legend().hide()
    return chart


BUILDERS = {
    "status": status_chart,
    "analysts": analysts_chart,
    "tags": tags_chart,
    "credibility": credibility_chart,
    "likelihood": likelihood_chart,
    "agreement": agreement_chart,
    "reviews": reviews_chart,
}


class DashboardView(QWidget):
    """Every chart of the dashboard; figures are computed on the reader thread."""

    figures_ready = Signal(object)  # DashboardFigures, once drawn
    exported = Signal(list)  # the PNG paths written

    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.ws = ws
        self.reads = reads
        self.figures: DashboardFigures | None = None
        self.jobs: list[Job] = []
        self._generation = 0
        self._restyle = QTimer(self, singleShot=True, interval=0)
        self._restyle.timeout.connect(self.redraw)

        self.summary = QLabel("Counting…")
        self.summary.setObjectName("dashboardSummary")
        self.refresh_button = QPushButton("Refresh")
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setEnabled(False)
        self.status = QLabel()
        self.status.setObjectName("dashboardStatus")
        self.status.setEnabled(False)

        self.views: dict[str, QChartView] = {}
        for name, title in CHARTS:
            view = QChartView(new_chart(title))
            view.setObjectName(f"chart_{name}")
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumSize(360, 280)
            self.views[name] = view

        self.pairs = PairsModel(self)
        self.pairs_table = pairs_table(self.pairs)
        self.pairs_table.setObjectName("dashboardPairs")
        for column in (1, 2, 3):  # the counts: the agreement dialog has them
            self.pairs_table.setColumnHidden(column, True)
        self.pairs_table.setWordWrap(True)
        self.pairs_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.agreement_text = QLabel()
        self.agreement_text.setObjectName("agreementSummary")
        self.agreement_text.setWordWrap(True)
        self.agreement_text.setToolTip(ALPHA_HELP)
        agreement_box = QWidget()
        agreement_layout = QVBoxLayout(agreement_box)
        agreement_layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Agreement per pair of analysts")
        caption.setObjectName("paneCaption")
        agreement_layout.addWidget(caption)
        agreement_layout.addWidget(self.agreement_text)
        agreement_layout.addWidget(self.pairs_table, 1)

        grid = QGridLayout()
        grid.setSpacing(8)
        grid.addWidget(self.views["status"], 0, 0)
        grid.addWidget(self.views["analysts"], 0, 1)
        grid.addWidget(self.views["tags"], 0, 2)
        grid.addWidget(self.views["credibility"], 1, 0)
        grid.addWidget(self.views["likelihood"], 1, 1)
        grid.addWidget(self.views["agreement"], 1, 2)
        grid.addWidget(self.views["reviews"], 2, 0, 1, 2)
        grid.addWidget(agreement_box, 2, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        content = QWidget()
        content.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.status)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.choose_export_folder)

    # -- figures -----------------------------------------------------------------------------------
    def refresh(self) -> Job:
        """Count again on the reader thread; the charts are redrawn when the figures arrive."""
        self._generation += 1
        generation = self._generation
        self.status.setText("Counting…")
        job = self.reads.submit(dashboard_figures, self.ws)
        self.jobs.append(job)
        job.finished.connect(lambda figures, j=job: self._counted(j, generation, figures))
        job.failed.connect(lambda exc, j=job: self._failed(j, generation, exc))
        return job

    def _counted(self, job: Job, generation: int, figures: DashboardFigures) -> None:
        self.jobs.remove(job)
        if generation == self._generation:
            self.show_figures(figures)

    def _failed(self, job: Job, generation: int, exc: BaseException) -> None:
        self.jobs.remove(job)
        if generation == self._generation:
            self.status.setText("")
            error_box(exc, self, "count the dashboard's figures")

    def show_figures(self, figures: DashboardFigures) -> None:
        self.figures = figures
        self.redraw()
        self.status.setText("")
        self.export_button.setEnabled(True)
        waiting = dict(figures.by_status).get("submitted", 0)
        self.summary.setText(
            f"<b>{figures.claims}</b> claims · <b>{waiting}</b> waiting for review · "
            f"<b>{figures.reviews}</b> decisions in the last {len(figures.reviews_per_day)} days"
        )
        a = figures.agreement
        if a is None or len(a.analysts) < 2:
            self.agreement_text.setText("Needs two or more analysts on the same documents.")
        else:
            self.agreement_text.setText(
                f"{a.shared_units} of {a.units} statements on {a.shared_documents} shared "
                f"document(s) marked by two or more analysts; "
                f"{format_share(a.single_share)} by one only."
            )
        self.pairs.set_pairs(a.pairs if a else [])
        self.figures_ready.emit(figures)

    def redraw(self) -> None:
        if self.figures is None:
            return
        for name, build in BUILDERS.items():
            chart = build(self.figures)
            style_chart(chart)
            view = self.views[name]
            old = view.chart()
            view.setChart(chart)
            if old is not None:
                old.deleteLater()

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch changes the application palette; the charts take their colours from it.
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle.start()
        super().changeEvent(event)

    # -- export ------------------------------------------------------------------------------------
    def choose_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Export the charts as PNG", str(Path.home())
        )
        if folder:
            self.export_pngs(Path(folder))

    def export_pngs(self, folder: Path) -> list[Path]:
        """Save each chart as dashboard-<name>.png in `folder`, at its size on screen."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, view in self.views.items():
            path = folder / f"dashboard-{name}.png"
            if not view.grab().save(str(path)):
                error_box(
                    ExportError(f"Could not write {path}; choose a folder you can write to."),
                    self,
                    "export the charts",
                )
                break
            written.append(path)
        if written:
            self.status.setText(f"Saved {len(written)} charts to {folder}")
        self.exported.emit(written)
        return written


class DashboardDialog(QDialog):
    def __init__(self, ws: Workspace, reads: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Dashboard")
        self.resize(1280, 900)
        self.view = DashboardView(ws, reads, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

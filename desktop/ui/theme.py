"""Light and dark themes, the font stack and the TLP 2.0 banner colours."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core.kernel import scales

THEMES = ("light", "dark")
THEME_KEY = "ui/theme"

# Latin first so English keeps its usual look; the CJK families cover Chinese on each platform.
FONT_FAMILIES = [
    "Noto Sans",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "sans-serif",
]

# TLP 2.0 (FIRST colours from the core): coloured label text on black; the reader gives CLEAR a
# white border so its banner still reads as a banner on a dark window.
TLP_COLOURS = {marking: text for marking, (text, _background) in scales.TLP_COLOURS.items()}
TLP_BACKGROUND = "#000000"

HIT_BACKGROUND = {"light": "#FFE27A", "dark": "#7A5E00"}


def settings() -> QSettings:
    """The per-user settings for window state and interface preferences (not domain data)."""
    return QSettings("Assay", "Assay")


def app_font(point_size: float | None = None) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    if point_size:
        font.setPointSizeF(point_size)
    return font


def tlp_colour(marking: str | None) -> str:
    return TLP_COLOURS.get((marking or "CLEAR").upper(), TLP_COLOURS["CLEAR"])


def saved_theme(store: QSettings | None = None) -> str:
    value = (store or settings()).value(THEME_KEY, "light")
    return value if value in THEMES else "light"


def save_theme(name: str, store: QSettings | None = None) -> None:
    (store or settings()).setValue(THEME_KEY, name)


def current_theme() -> str:
    app = QApplication.instance()
    name = app.property("assayTheme") if app is not None else None
    return name if name in THEMES else "light"


def apply_theme(app: QApplication, name: str) -> None:
    """Fusion style with our palette, so both themes look the same on every platform."""
    if name not in THEMES:
        name = "light"
    app.setStyle("Fusion")
    palette = _dark_palette() if name == "dark" else _light_palette(app)
    app.setPalette(_same_when_inactive(palette))
    app.setProperty("assayTheme", name)
    app.setStyleSheet(_QSS)


def _same_when_inactive(palette: QPalette) -> QPalette:
    """Qt repaints every widget of a window that (de)activates if the two groups differ; a
    progress or summary dialog would then repaint the whole library and reader."""
    for n in range(QPalette.ColorRole.NColorRoles.value):
        role = QPalette.ColorRole(n)
        palette.setBrush(
            QPalette.ColorGroup.Inactive, role, palette.brush(QPalette.ColorGroup.Active, role)
        )
    return palette


def _light_palette(app: QApplication) -> QPalette:
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2F6FB5"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#1F5FA8"))
    return palette


def _dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2B2D30",
        QPalette.ColorRole.WindowText: "#E6E6E6",
        QPalette.ColorRole.Base: "#1E1F22",
        QPalette.ColorRole.AlternateBase: "#26282B",
        QPalette.ColorRole.ToolTipBase: "#3C3F41",
        QPalette.ColorRole.ToolTipText: "#E6E6E6",
        QPalette.ColorRole.PlaceholderText: "#8C8C8C",
        QPalette.ColorRole.Text: "#E6E6E6",
        QPalette.ColorRole.Button: "#3C3F41",
        QPalette.ColorRole.ButtonText: "#E6E6E6",
        QPalette.ColorRole.BrightText: "#FF6B6B",
        QPalette.ColorRole.Light: "#4A4D50",
        QPalette.ColorRole.Midlight: "#3F4245",
        QPalette.ColorRole.Mid: "#303234",
        QPalette.ColorRole.Dark: "#1A1B1D",
        QPalette.ColorRole.Shadow: "#000000",
        QPalette.ColorRole.Highlight: "#3D6FB6",
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: "#7AB4FF",
        QPalette.ColorRole.LinkVisited: "#B69CFF",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(disabled, role, QColor("#7A7A7A"))
    return p


# Only what a palette cannot say: the inline search error and the section captions.
_QSS = """
QLabel#searchError { color: #D93025; }
QLabel#paneCaption { font-weight: 600; padding: 2px 0; }
"""

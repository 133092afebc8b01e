"""Tools → Tags…: the tag tree (the codebook) with how often each tag is used and its colour;
rename or move a tag and its children (onto an existing name: a merge), recolour it, or take
it off every note and claim. Each change is one undo step, made in the writer thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.errors import AssayError
from desktop.core.kernel.ids import normalise_tag
from desktop.core.workspace import Changes, Workspace

from .operations import run_operation
from .worker import SerialWorker

NameRole = Qt.ItemDataRole.UserRole + 60


class TagsDialog(QDialog):
    """Non-modal. `saved` carries each change's Changes once the window has applied them."""

    saved = Signal(object)  # Changes

    def __init__(self, ws: Workspace, writer: SerialWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tagsDialog")
        self.setWindowTitle("Tags")
        self.ws, self.writer = ws, writer
        self.job = None
        self.colour_dialog: QColorDialog | None = None
        self.delete_prompt: QMessageBox | None = None

        self.tree = QTreeWidget()
        self.tree.setObjectName("tagTree")
        self.tree.setHeaderLabels(["Tag", "Uses"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._chosen)
        self.target = QLineEdit()
        self.target.setObjectName("tagTarget")
        self.target.setPlaceholderText("new name, e.g. actor/state (an existing tag: merge)")
        self.target.textChanged.connect(self._update_buttons)
        self.target.returnPressed.connect(self.move)
        self.move_button = QPushButton("Rename")
        self.move_button.clicked.connect(self.move)
        self.colour_button = QPushButton("Colour…")
        self.colour_button.clicked.connect(self.choose_colour)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.ask_delete)
        self.status = QLabel()
        self.status.setObjectName("tagsStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(self.move_button)
        row.addWidget(self.colour_button)
        row.addWidget(self.delete_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A tag's children move and go with it. Renaming onto a tag that exists "
            "merges the two. Every change is one step of Edit → Undo."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(560, 520)
        self.reload()

    # -- the tree ------------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        select = select or self.selected()
        tags = self.ws.tags()
        self.names = {t["name"]: t for t in tags}
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for tag in tags:  # sorted by name: a parent comes before its children
            name = tag["name"]
            parent = items.get(name.rsplit("/", 1)[0]) if "/" in name else None
            item = QTreeWidgetItem([name.rsplit("/", 1)[-1], str(tag["uses"])])
            item.setData(0, NameRole, name)
            item.setIcon(0, _swatch(tag["colour"]))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, name)
            (parent.addChild(item) if parent is not None else self.tree.addTopLevelItem(item))
            items[name] = item
        self.tree.expandAll()
        if select in items:
            self.tree.setCurrentItem(items[select])
        completer = QCompleter(sorted(self.names), self.target)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.target.setCompleter(completer)
        self._update_buttons()

    def note_changes(self, changes: Changes) -> None:
        """The window's changes (an undo, a bundle, tags set in the editor): the tree follows."""
        if changes.tags and self.isVisible() and self.job is None:
            self.reload()

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, NameRole) if item is not None else None

    def select(self, name: str) -> bool:
        found = [
            i
            for i in self.tree.findItems(
                "*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive
            )
            if i.data(0, NameRole) == name
        ]
        if found:
            self.tree.setCurrentItem(found[0])
        return bool(found)

    # -- changes -------------------------------------------------------------------------------
    def move(self) -> None:
        """Rename the selected tag to the target name, or merge it into an existing tag."""
        old, new = self.selected(), self.target.text().strip()
        if not old or not new or self.job is not None:
            return
        try:
            new = normalise_tag(new)
        except AssayError as exc:
            self._say(str(exc), error=True)
            return
        if new in self.names:
            self._change(self.ws.merge_tags, old, new, done=f"Merged {old} into {new}.", then=new)
        else:
            self._change(self.ws.rename_tag, old, new, done=f"Renamed {old} to {new}.", then=new)

    def choose_colour(self) -> QColorDialog | None:
        name = self.selected()
        if not name:
            return None
        dialog = QColorDialog(QColor(self.names[name]["colour"] or "#cccccc"), self)
        dialog.setWindowTitle(f"Colour of {name}")
        dialog.colorSelected.connect(lambda colour: self.set_colour(name, colour))
        self.colour_dialog = dialog
        dialog.open()
        return dialog

    def set_colour(self, name: str, colour: QColor) -> None:
        value = colour.name()  # #rrggbb
        self._change(self.ws.set_tag_colour, name, value, done=f"{name} is now {value}.", then=name)

    def ask_delete(self) -> QMessageBox | None:
        name = self.selected()
        if not name or self.job is not None:
            return None
        children = [n for n in self.names if n.startswith(name + "/")]
        uses = sum(self.names[n]["uses"] for n in [name, *children])
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete tag",
            f"Take “{name}”{' and its ' + str(len(children)) + ' children' if children else ''}"
            f" off {uses} note(s) and claim(s)?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText("The notes and claims stay; Edit → Undo puts the tag back.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.finished.connect(
            lambda _r: (
                box.clickedButton() is delete
                and self._change(self.ws.delete_tag, name, done=f"Deleted {name}.", then=None)
            )
        )
        self.delete_prompt = box
        box.open()
        return box

    # -- internals -----------------------------------------------------------------------------
    def _change(self, fn, *args, done: str, then: str | None) -> bool:
        """One change as an operation; the window applies it, then the list follows."""

        def finished(_changes: Changes) -> None:
            self.job = None
            self.reload(select=then)
            self.target.clear()
            self._say(done)
            self.saved.emit(_changes)

        def failed(exc: BaseException) -> None:
            self.job = None
            self._update_buttons()
            self._say(str(exc), error=True)

        self.job = run_operation(
            self,
            fn,
            *args,
            label="change the tags",
            worker=self.writer,
            errors="inline",
            on_success=finished,
            on_failure=failed,
        )
        self._update_buttons()
        return True

    def _chosen(self, *_args: object) -> None:
        name = self.selected()
        if name:
            self.target.setText(name)
            self.target.selectAll()
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        chosen = self.selected() is not None and self.job is None
        writable = not self.ws.readonly
        new = self.target.text().strip()
        self.move_button.setText(
            "Merge into" if new in self.names and new != self.selected() else "Rename"
        )
        self.move_button.setEnabled(chosen and writable and bool(new) and new != self.selected())
        self.colour_button.setEnabled(chosen and writable)
        self.delete_button.setEnabled(chosen and writable)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b3261e;" if error else "")
        self.status.setText(text)


def _swatch(colour: str | None) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour or "#cccccc"))
    return QIcon(pixmap)

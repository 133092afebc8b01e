"""The welcome screen: shown when there is no workspace yet (first run, or --workspace pointing
at nothing). Open the sample workspace, create an empty one, or open an existing folder; on first
run, also the analyst's name and role; and a short "how to" with the main shortcuts."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.profile import Profile, load_profile
from desktop.core.workspace import Workspace

from .about import shortcuts_html
from .first_run import ProfileForm, save_first_run


def is_workspace(folder: Path) -> bool:
    return (Path(folder) / Workspace.DB_NAME).is_file()


def how_to_html(workspace: Path | None = None, *, new: bool = False) -> str:
    """The "how to" text: the main shortcuts and where the work is kept."""
    where = ""
    if workspace is not None:
        verb = "A new workspace is made in" if new else "This workspace lives in"
        where = f"{verb} <b>{escape(str(workspace))}</b>. "
    return (
        "<h3>How to</h3>"
        "<p>Import documents, select text to make a note or a claim, then submit claims "
        "for review.</p>"
        f"{shortcuts_html()}"
        f"<p>{where}A workspace is one folder holding the documents, notes, claims and reviews; "
        "copy the whole folder to back it up. Help → About shows where it is.</p>"
    )


class HowToDialog(QDialog):
    """Help → How to…: the same panel as on the welcome screen."""

    def __init__(self, workspace: Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("How to use Assay")
        self.text = QLabel(how_to_html(workspace))
        self.text.setObjectName("howToText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)


class WelcomeDialog(QDialog):
    """The three ways in, plus (on first run) who is working. After exec(): `answer()`.

    `choose_folder` is a method so tests can give the folder instead of a file dialog.
    """

    def __init__(self, path: Path, profile: Profile | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.choice = "quit"
        self.chosen_path: Path | None = None
        self.saved_profile: Profile | None = None
        profile = profile if profile is not None else load_profile()
        self.setWindowTitle("Welcome to Assay")
        self.setObjectName("welcomeDialog")

        title = QLabel("<h2>Welcome to Assay</h2>")
        intro = QLabel(
            f"There is no workspace in <b>{escape(str(self.path))}</b> yet. "
            "Start with the sample documents, start empty, or open a workspace you already have."
        )
        intro.setObjectName("welcomeIntro")
        intro.setWordWrap(True)

        self.demo_button = QCommandLinkButton(
            "Open the sample workspace",
            "15 sample documents to try searching, notes, claims and review. "
            "Created in the folder above.",
        )
        self.demo_button.setObjectName("welcomeDemo")
        self.empty_button = QCommandLinkButton(
            "Create an empty workspace", "Start from nothing and import your own documents."
        )
        self.empty_button.setObjectName("welcomeEmpty")
        self.open_button = QCommandLinkButton(
            "Open an existing workspace folder…",
            "A folder made by Assay before, e.g. copied from another workstation.",
        )
        self.open_button.setObjectName("welcomeOpen")
        self.demo_button.clicked.connect(lambda: self._choose("demo"))
        self.empty_button.clicked.connect(lambda: self._choose("empty"))
        self.open_button.clicked.connect(self._open_existing)

        self.problem = QLabel()
        self.problem.setObjectName("welcomeProblem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        left = QVBoxLayout()
        left.addWidget(title)
        left.addWidget(intro)
        self.profile_form: ProfileForm | None = None
        if not profile.configured:
            who = QGroupBox("Who is working?")
            who.setObjectName("welcomeWho")
            note = QLabel(
                "Your name is recorded with every note, claim and review you make, and travels "
                "with them in bundles."
            )
            note.setWordWrap(True)
            self.profile_form = ProfileForm(profile, first_run=True)
            box = QVBoxLayout(who)
            box.addWidget(note)
            box.addWidget(self.profile_form)
            left.addWidget(who)
        start = QLabel("<b>How do you want to start?</b>")
        start.setContentsMargins(0, 8, 0, 0)
        left.addWidget(start)
        left.addWidget(self.demo_button)
        left.addWidget(self.empty_button)
        left.addWidget(self.open_button)
        left.addWidget(self.problem)
        left.addStretch(1)

        self.how_to = QLabel(how_to_html(self.path, new=True))
        self.how_to.setObjectName("howToText")
        self.how_to.setWordWrap(True)
        self.how_to.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.how_to.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        panel = QFrame()
        panel.setObjectName("howToPanel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel_layout = QVBoxLayout(panel)
        panel_layout.addWidget(self.how_to)
        panel_layout.addStretch(1)
        panel.setFixedWidth(360)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(12)
        columns.addWidget(panel)

        buttons = QDialogButtonBox()
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(buttons)
        self.setMinimumWidth(860)
        if self.profile_form is not None:
            self.profile_form.name.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- overridable -------------------------------------------------------------------------
    def choose_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open an existing workspace folder", str(self.path.parent)
        )
        return Path(folder) if folder else None

    # -- answers -----------------------------------------------------------------------------
    def answer(self) -> str | Path:
        """'demo', 'empty', 'quit', or the folder of an existing workspace to open."""
        if self.choice == "open" and self.chosen_path is not None:
            return self.chosen_path
        return self.choice

    def _say(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def _open_existing(self) -> None:
        if self.profile_form is not None and not self.profile_form.check():
            return
        folder = self.choose_folder()
        if folder is None:
            return
        if not is_workspace(folder):
            self._say(
                f"{folder} is not an Assay workspace: it has no {Workspace.DB_NAME}. Choose the "
                "folder that holds one, or create a new workspace."
            )
            return
        self.chosen_path = Path(folder)
        self._choose("open")

    def _choose(self, choice: str) -> None:
        if self.profile_form is not None:
            if not self.profile_form.check():
                return
            try:
                self.saved_profile = save_first_run(self.profile_form.profile())
            except OSError as exc:
                self._say(f"Your name and role could not be saved: {exc}")
                return
        self.choice = choice
        self.accept()

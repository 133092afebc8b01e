"""Who is working: the first-run question (name and role) and switching analyst on a shared
workstation."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.profile import ROLES, Profile, load_profile

ROLE_WORDS = {
    "analyst": "Analyst — reads, annotates, makes and rates claims",
    "supervisor": "Supervisor — also reviews other analysts' claims",
}


class ProfileForm(QWidget):
    """The name and role fields (and, with known analysts, who is at the workstation), with
    their check. Shared by the first-run question, Switch analyst and the welcome screen."""

    def __init__(
        self,
        profile: Profile,
        *,
        analysts: list[dict] | None = None,
        first_run: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._profile = profile
        self._analysts = {a["id"]: a for a in analysts or []}
        self.who = QComboBox()
        self.who.setObjectName("analystChoice")
        self.name = QLineEdit(profile.name if first_run else "")
        self.name.setObjectName("analystName")
        self.name.setPlaceholderText("e.g. Ada Lindqvist")
        self.role = QComboBox()
        self.role.setObjectName("analystRole")
        for role in ROLES:
            self.role.addItem(ROLE_WORDS[role], role)
        self.role.setCurrentIndex(max(self.role.findData(profile.role), 0))
        self.problem = QLabel()
        self.problem.setObjectName("profileProblem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        if self._analysts:
            self.who.addItem("Someone new…", "")
            for a in self._analysts.values():
                self.who.addItem(f"{a['name']} ({a['role']})", a["id"])
            self.who.setCurrentIndex(max(self.who.findData(profile.id), 0))
            self.who.currentIndexChanged.connect(self._chosen)
            form.addRow("Analyst", self.who)
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        self._chosen()

    def _chosen(self, *_args: object) -> None:
        known = self._analysts.get(self.who.currentData() or "")
        self.name.setReadOnly(known is not None)
        if known is not None:
            self.name.setText(known["name"])
            self.role.setCurrentIndex(max(self.role.findData(known["role"]), 0))
        elif self._analysts:
            self.name.clear()

    def profile(self) -> Profile:
        """The chosen person: a known analyst keeps their id; someone new gets a fresh one."""
        chosen = self.who.currentData() if self._analysts else None
        if chosen:
            profile_id = chosen
        elif self._analysts:
            profile_id = str(uuid.uuid4())
        else:
            profile_id = self._profile.id  # first run: the provisional id becomes theirs
        return Profile(
            id=profile_id,
            name=" ".join(self.name.text().split()),
            role=self.role.currentData(),
            configured=True,
        )

    def check(self) -> bool:
        """True if the answer can be used; otherwise says why, under the fields."""
        if not " ".join(self.name.text().split()):
            self.problem.setText("Please give a name; it is recorded with your work.")
            self.problem.show()
            self.name.setFocus()
            return False
        self.problem.hide()
        return True


class ProfileDialog(QDialog):
    """Name and role; with known analysts, also a choice of who is at the workstation."""

    def __init__(
        self,
        profile: Profile,
        *,
        analysts: list[dict] | None = None,
        first_run: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Welcome to Assay" if first_run else "Switch analyst")
        self.setMinimumWidth(460)

        intro = QLabel(
            "Your name is recorded with every note, claim and review you make, and travels with "
            "them in bundles. On a shared workstation, use Edit → Switch analyst… when someone "
            "else takes over."
            if first_run
            else "Who is working now? Changes from here on are recorded under this name; the "
            "switch itself is written to the audit log."
        )
        intro.setWordWrap(True)
        self.form = ProfileForm(profile, analysts=analysts, first_run=first_run)
        self.who, self.name, self.role = self.form.who, self.form.name, self.form.role
        self.problem = self.form.problem
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Start" if first_run else "Switch"
        )
        if first_run:
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quit")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def profile(self) -> Profile:
        return self.form.profile()

    def accept(self) -> None:
        if not self.form.check():
            return
        super().accept()


def ensure_profile(ask: Callable[[Profile], Profile | None] | None = None) -> Profile | None:
    """The saved profile; on first run, ask for name and role and save them. None: the person
    chose to quit."""
    profile = load_profile()
    if profile.configured:
        return profile
    chosen = (ask or ask_first_run)(profile)
    if chosen is None:
        return None
    return save_first_run(chosen)


def save_first_run(chosen: Profile) -> Profile:
    """Remember the person's answer, so the question is not asked again."""
    chosen.configured = True
    chosen.save()
    return chosen


def ask_first_run(profile: Profile) -> Profile | None:
    dialog = ProfileDialog(profile, first_run=True)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.profile()

"""First run asks who is working and remembers it; Switch analyst changes it, audited."""

from __future__ import annotations

import pytest

from desktop.core.kernel.profile import Profile, load_profile
from desktop.ui.first_run import ProfileDialog, ensure_profile


@pytest.fixture
def fresh_profile_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(tmp_path / "new-person"))
    return tmp_path / "new-person"


def test_first_run_asks_name_and_role_saves_them_and_does_not_ask_again(qtbot, fresh_profile_dir):
    provisional = load_profile()
    assert not provisional.configured
    asked: list[ProfileDialog] = []

    def answer(profile: Profile) -> Profile | None:
        dialog = ProfileDialog(profile, first_run=True)
        qtbot.addWidget(dialog)
        asked.append(dialog)
        dialog.name.setText("")
        dialog.accept()  # an empty name is refused, with a reason
        assert dialog.result() == 0 and "give a name" in dialog.problem.text()
        qtbot.keyClicks(dialog.name, "  Ada   Lindqvist ")
        dialog.role.setCurrentIndex(dialog.role.findData("supervisor"))
        dialog.accept()
        return dialog.profile()

    chosen = ensure_profile(ask=answer)
    assert asked and (chosen.name, chosen.role, chosen.configured) == (
        "Ada Lindqvist",
        "supervisor",
        True,
    )
    assert chosen.id == provisional.id  # the provisional id (and any key) stays theirs
    saved = load_profile()
    assert (saved.id, saved.name, saved.role, saved.configured) == (
        provisional.id,
        "Ada Lindqvist",
        "supervisor",
        True,
    )
    assert (fresh_profile_dir / "profile.json").exists()

    def never(_profile: Profile) -> Profile | None:
        raise AssertionError("asked again")

    assert ensure_profile(ask=never).name == "Ada Lindqvist"


def test_quitting_the_first_run_question_saves_nothing(fresh_profile_dir):
    assert ensure_profile(ask=lambda profile: None) is None
    assert not load_profile().configured


def test_switch_analyst_picks_a_known_one_or_someone_new_and_is_audited(qtbot, window):
    ws = window.ws
    ws.add_note(ws.document_ids()[0], 0, 5)  # registers the tester as an analyst
    dialog = window.choose_analyst()
    assert dialog.who.itemText(0) == "Someone new…"
    assert dialog.who.findData("33333333-3333-4333-8333-333333333333") > 0
    assert dialog.who.currentData() == ws.profile.id
    dialog.who.setCurrentIndex(0)
    qtbot.keyClicks(dialog.name, "Casey Newcomer")
    with qtbot.waitSignal(window.analyst_switched, timeout=10000) as switched:
        dialog.accept()
    casey = switched.args[0]
    assert (
        ws.profile.name == "Casey Newcomer" and casey.id != "33333333-3333-4333-8333-333333333333"
    )
    assert "Casey Newcomer (analyst)" in window.analyst_label.text()
    assert load_profile().name == "Casey Newcomer"  # remembered for the next start
    assert not window.undo_action.isEnabled()  # the tester's steps are not Casey's to undo
    actions = [r[0] for r in ws.db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[-1] == "switch analyst"

    # back to a known analyst: their id, not a new one
    dialog = window.choose_analyst()
    dialog.who.setCurrentIndex(dialog.who.findData("33333333-3333-4333-8333-333333333333"))
    assert dialog.name.isReadOnly() and dialog.name.text() == "Gwen Tester"
    with qtbot.waitSignal(window.analyst_switched, timeout=10000):
        dialog.accept()
    assert ws.profile.id == "33333333-3333-4333-8333-333333333333"


def test_switching_to_an_analyst_with_a_protected_key_asks_their_passphrase(
    qtbot, window, monkeypatch
):
    from desktop.core.kernel import keys

    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    bo = Profile(id="66666666-6666-4666-8666-666666666666", name="Bo Shared", configured=True)
    keys.load_or_create_private_key(bo.id)
    keys.set_passphrase(bo.id, "correct horse")
    ws = window.ws
    me = ws.profile.id
    asked = window.switch_analyst(bo)
    assert asked is window.passphrase_dialog and asked.isVisible()
    asked.grab().save("/tmp/passphrase.png")  # looked at: label, masked field, OK/Cancel
    asked.setTextValue("wrong horse")
    asked.accept()  # refused: an error, and nobody was switched
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10000)
    window.last_error.grab().save("/tmp/passphrase-wrong.png")
    assert "passphrase" in window.last_error.text().lower() and ws.profile.id == me
    window.last_error.close()
    window.switch_analyst(bo).setTextValue("correct horse")
    with qtbot.waitSignal(window.analyst_switched, timeout=10000):
        window.passphrase_dialog.accept()
    assert ws.profile.id == bo.id
    assert not ws.needs_passphrase(bo.id)  # unlocked once this session: not asked again

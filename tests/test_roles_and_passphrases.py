"""Roles on one workstation: the roster grants the supervisor role, supervisors promote and
demote, and each private key can be protected by a passphrase that switching analyst needs."""

from __future__ import annotations

import pytest

from desktop.core.kernel import keys
from desktop.core.kernel.errors import PassphraseError, PermissionDenied
from desktop.core.workspace import Workspace

from .test_bundles_helpers import ADA, BEN, SAM, span, trust, workstation


def test_wrong_passphrase_unlocks_nothing(tmp_path):
    keys.load_or_create_private_key(BEN.id, passphrase="correct horse battery")
    path = keys.key_path(BEN.id)
    before = path.read_bytes()
    assert keys.is_protected(BEN.id)
    with pytest.raises(PassphraseError, match="Wrong passphrase"):
        keys.load_or_create_private_key(BEN.id, passphrase="wrong one")
    with pytest.raises(PassphraseError, match="protected by a passphrase"):
        keys.load_or_create_private_key(BEN.id)
    assert path.read_bytes() == before


def test_an_unprotected_key_gets_a_passphrase_without_locking_anyone_out(tmp_path):
    key = keys.load_or_create_private_key(ADA.id)
    assert not keys.is_protected(ADA.id)
    keys.set_passphrase(ADA.id, "a long passphrase")
    assert keys.is_protected(ADA.id)
    again = keys.load_or_create_private_key(ADA.id, passphrase="a long passphrase")
    assert keys.public_raw(again.public_key()) == keys.public_raw(key.public_key())
    with pytest.raises(PassphraseError, match="at least 8"):
        keys.set_passphrase(ADA.id, "short", old="a long passphrase")


def test_switching_analyst_needs_that_persons_passphrase(tmp_path, monkeypatch):
    keys.load_or_create_private_key(BEN.id, passphrase="bens passphrase")
    ws = Workspace.create(tmp_path / "w", profile=ADA)
    try:
        with pytest.raises(PassphraseError):
            ws.switch_analyst(BEN)
        with pytest.raises(PassphraseError, match="Wrong passphrase"):
            ws.switch_analyst(BEN, passphrase="guess")
        assert ws.profile.id == ADA.id
        ws.switch_analyst(BEN, passphrase="bens passphrase")
        assert ws.profile.id == BEN.id
        ws.switch_analyst(ADA)
        monkeypatch.setenv(keys.PASSPHRASE_ENV, "bens passphrase")  # scripts and tests
        ws.session.unlocked.pop(BEN.id)
        ws.switch_analyst(BEN)
        assert ws.profile.id == BEN.id
    finally:
        ws.close()


def test_the_roster_grants_the_supervisor_role(tmp_path):
    ws = Workspace.create(tmp_path / "w", profile=SAM)  # the creator claims it: granted
    try:
        assert ws.is_supervisor
        ben_as_supervisor = type(BEN)(id=BEN.id, name=BEN.name, role="supervisor", configured=True)
        ws.switch_analyst(ben_as_supervisor)  # asking for the role is not having it
        assert not ws.is_supervisor
        doc = ws.list_documents()
        assert doc == []
        with pytest.raises(PermissionDenied, match="Only a supervisor changes roles"):
            ws.promote_analyst(BEN.id)
        ws.switch_analyst(SAM)
        ws.promote_analyst("Ben Analyst")
        roles = {r["name"]: r["role"] for r in ws.analysts()}
        assert roles["Ben Analyst"] == "supervisor"
        actions = [r[0] for r in ws.db.execute("SELECT action FROM audit ORDER BY seq")]
        assert "promote analyst" in actions
        ws.demote_analyst(BEN.id)
        with pytest.raises(PermissionDenied, match="last supervisor"):
            ws.demote_analyst(SAM.id)
        assert ws.undo_label() == "Demote Ben Analyst"
    finally:
        ws.close()


def test_a_promotion_travels_under_the_supervisors_seal(tmp_path):
    a = workstation(tmp_path, "a", ADA)
    b = workstation(tmp_path, "b", BEN)
    try:
        trust(b, a, tmp_path)
        a.switch_analyst(SAM)
        trust(b, a, tmp_path)
        a.export_bundle(tmp_path / "sam.assay")
        b.import_bundle(tmp_path / "sam.assay")
        a.switch_analyst(ADA)
        a.add_claim(*span(a, "Alpha", "AI-enabled tools"), "x")
        a.switch_analyst(SAM)
        a.promote_analyst(ADA.id)
        a.switch_analyst(ADA)
        a.session.unlocked.pop(SAM.id)  # Sam has gone: only his stored seal remains
        a.export_bundle(tmp_path / "ada.assay")  # signed by Ada, carrying Sam's promotion
        b.import_bundle(tmp_path / "ada.assay")
        assert {r["name"]: r["role"] for r in b.analysts()}["Ada Analyst"] == "supervisor"
    finally:
        a.close()
        b.close()

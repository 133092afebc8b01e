"""Shared fixtures: a private profile and workspace folder per test, a demo template per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.kernel.profile import Profile


@pytest.fixture(autouse=True)
def private_profile(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("profile")
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(home))
    monkeypatch.setenv("ASSAY_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("ASSAY_WORKSPACE", str(home / "default-workspace"))
    return home


@pytest.fixture
def analyst() -> Profile:
    return Profile(id="11111111-1111-4111-8111-111111111111", name="Ada Analyst", role="analyst",
                   configured=True)


@pytest.fixture
def ws(tmp_path, analyst):
    from desktop.core.workspace import Workspace

    w = Workspace.create(tmp_path / "ws", profile=analyst)
    yield w
    w.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from desktop.core.demo import create_demo

    path = tmp_path_factory.mktemp("demo") / "ws"
    profile = Profile(id="22222222-2222-4222-8222-222222222222", name="Demo Builder",
                      configured=True)
    create_demo(path, profile=profile).close()
    return path


@pytest.fixture
def demo_ws(demo_template, tmp_path, analyst):
    from desktop.core.workspace import Workspace

    path = tmp_path / "demo"
    shutil.copytree(demo_template, path)
    w = Workspace.open(path, profile=analyst)
    yield w
    w.close()


def write_texts(folder: Path, texts: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in texts.items():
        p = folder / name
        p.write_text(text, encoding="utf-8")
        out.append(p)
    return out


def cli_workspace(tmp_path: Path, texts: dict[str, str]) -> Path:
    """A workspace made and filled through the command line, as a user would."""
    from desktop.cli import main

    wsdir = tmp_path / "ws"
    assert main(["init", str(wsdir)]) == 0
    assert main(["import", "-w", str(wsdir), *map(str, write_texts(tmp_path / "in", texts))]) == 0
    return wsdir

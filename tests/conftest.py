"""Shared fixtures: a private profile and workspace folder per test, a demo template per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import platformdirs
import pytest

from desktop.core.kernel.profile import Profile

# The real user's folders, as they were before any test pointed them elsewhere: nothing in a
# test run may write there (a test checks it).
REAL_USER_DIRS = tuple(
    Path(p)
    for p in (
        platformdirs.user_config_dir("assay", appauthor=False),
        platformdirs.user_data_dir("assay", appauthor=False),
        platformdirs.user_log_dir("assay", appauthor=False),
    )
)


def user_dir_files(roots=REAL_USER_DIRS) -> dict[str, int]:
    """Every file under ROOTS with its modification time (ns)."""
    out = {}
    for root in roots:
        if root.exists():
            for p in root.rglob("*"):
                if p.is_file():
                    out[str(p)] = p.stat().st_mtime_ns
    return out


REAL_USER_FILES_AT_START = user_dir_files()


@pytest.fixture(scope="session", autouse=True)
def private_user_dirs(tmp_path_factory):
    """Before any session- or module-scoped fixture makes a workspace (and with it a signing
    key in the profile folder): the profile, logs, default workspace and the platform's config
    folder all live in a private temporary folder for the whole run."""
    home = tmp_path_factory.mktemp("session-profile")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSAY_PROFILE_DIR", str(home / "profile"))
        mp.setenv("ASSAY_LOG_DIR", str(home / "logs"))
        mp.setenv("ASSAY_WORKSPACE", str(home / "default-workspace"))
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        yield home


@pytest.fixture(autouse=True)
def private_profile(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("profile")
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(home))
    monkeypatch.setenv("ASSAY_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("ASSAY_WORKSPACE", str(home / "default-workspace"))
    return home


@pytest.fixture
def analyst() -> Profile:
    return Profile(
        id="11111111-1111-4111-8111-111111111111",
        name="Ada Analyst",
        role="analyst",
        configured=True,
    )


@pytest.fixture
def ws(tmp_path, analyst):
    from desktop.core.workspace import Workspace

    w = Workspace.create(tmp_path / "ws", profile=analyst)
    yield w
    w.close()


DEMO_BUILDER = Profile(
    id="22222222-2222-4222-8222-222222222222", name="Demo Builder", configured=True
)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo's sample documents without its worked analysis: tests bring their own work."""
    from desktop.core.demo import create_demo

    path = tmp_path_factory.mktemp("demo") / "ws"
    create_demo(path, profile=DEMO_BUILDER, analysis=False).close()
    return path


@pytest.fixture(scope="session")
def worked_demo_template(tmp_path_factory) -> Path:
    """The demo as `assay demo` makes it: the documents and the worked analysis."""
    from desktop.core.demo import create_demo

    path = tmp_path_factory.mktemp("worked-demo") / "ws"
    create_demo(path, profile=DEMO_BUILDER).close()
    return path


@pytest.fixture
def worked_demo_path(worked_demo_template, tmp_path) -> Path:
    path = tmp_path / "worked-demo"
    shutil.copytree(worked_demo_template, path, ignore=shutil.ignore_patterns("lock"))
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

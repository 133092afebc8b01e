"""Shipping: the offline wheelhouse installs into a fresh venv with no network; the frozen build runs.

Both are slow (minutes), so they run in `make test-all`, not `make test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _offline(cmd: list[str]) -> list[str]:
    """Run in a network namespace with no interfaces when the kernel allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn", *cmd]
    return cmd


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(
        ASSAY_PROFILE_DIR=str(tmp_path / "profile"),
        ASSAY_LOG_DIR=str(tmp_path / "log"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def test_wheelhouse_installs_offline_into_a_fresh_venv(tmp_path):
    house = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "wheelhouse.py"), str(house)],
        check=True,
        capture_output=True,
        timeout=1200,
    )
    reqs = (house / "requirements.txt").read_text()
    assert "assay==" in reqs and "--hash=sha256:" in reqs
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = _env(tmp_path)
    install = subprocess.run(
        _offline(
            [
                str(venv / "bin" / "pip"),
                "install",
                "--no-index",
                "--find-links",
                str(house),
                "--require-hashes",
                "-r",
                str(house / "requirements.txt"),
            ]
        ),
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    assay = str(venv / "bin" / "assay")
    out = subprocess.run(
        _offline([assay, "--version"]), capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.startswith("assay ")
    demo = tmp_path / "demo"
    subprocess.run(_offline([assay, "demo", str(demo)]), check=True, env=env, timeout=600)
    found = subprocess.run(
        _offline([assay, "search", "-w", str(demo), "export controls"]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert found.returncode == 0 and "1." in found.stdout


def test_frozen_build_runs_cli_and_gui(tmp_path):
    pytest.importorskip("PyInstaller", reason="make dist installs PyInstaller (.[build])")
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--distpath",
            str(dist),
            "--workpath",
            str(tmp_path / "build"),
            str(ROOT / "build.spec"),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=2400,
    )
    folder = dist / "assay"
    env = _env(tmp_path)
    version = subprocess.run(
        [str(folder / "assay"), "--version"], capture_output=True, text=True, env=env, timeout=120
    )
    assert version.stdout.startswith("assay "), version.stderr
    # a configured profile, so the window opens without asking who is working
    subprocess.run(
        [str(folder / "assay"), "whoami", "--name", "Pack Tester", "--role", "analyst"],
        check=True,
        env=env,
        timeout=120,
        capture_output=True,
    )
    demo = tmp_path / "demo"
    subprocess.run([str(folder / "assay"), "demo", str(demo)], check=True, env=env, timeout=600)
    hits = subprocess.run(
        [str(folder / "assay"), "search", "-w", str(demo), "芯片"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "1." in hits.stdout, hits.stderr
    gui = subprocess.run(
        [str(folder / "assay-desk"), "--workspace", str(demo), "--quit-after", "1500"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert gui.returncode == 0, gui.stderr[-2000:]
    assert "window shown" in gui.stdout

"""The analyst's own profile (name, role, id), kept in the user's config folder, not the workspace."""

from __future__ import annotations

import getpass
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

ROLES = ("analyst", "supervisor")
# Set by the CLI (getpass) or the GUI: ask(analyst_id, why) -> passphrase or None. Here, not in
# keys.py, so that setting it loads no cryptography.
passphrase_prompt: Callable[[str, str], str | None] | None = None


def profile_dir() -> Path:
    env = os.environ.get("ASSAY_PROFILE_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir("assay", appauthor=False))


def default_workspace_path() -> Path:
    env = os.environ.get("ASSAY_WORKSPACE")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("assay", appauthor=False)) / "workspace"


@dataclass
class Profile:
    id: str
    name: str
    role: str = "analyst"
    configured: bool = False  # False until the person has chosen their name and role

    def save(self) -> None:
        d = profile_dir()
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / "profile.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, d / "profile.json")


def load_profile() -> Profile:
    """The saved profile, or a provisional one named after the OS account."""
    path = profile_dir() / "profile.json"
    if path.exists():
        try:
            data = json.loads(path.read_text())
            return Profile(
                id=str(data["id"]),
                name=str(data["name"]),
                role=data.get("role", "analyst") if data.get("role") in ROLES else "analyst",
                configured=bool(data.get("configured", True)),
            )
        except (ValueError, KeyError, TypeError):
            pass
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some sandboxes
        user = "analyst"
    profile = Profile(id=str(uuid.uuid4()), name=user, role="analyst", configured=False)
    try:  # keep the id stable, so this person's work stays theirs across runs
        profile.save()
    except OSError:
        pass
    return profile

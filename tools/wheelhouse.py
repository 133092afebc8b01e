"""Collect every wheel Assay needs (this platform, this Python) plus a hashed requirements file.

Run on a connected build machine (`make wheelhouse`); carry dist/wheelhouse/ across the air gap
and install there with
    pip install --no-index --find-links wheelhouse --require-hashes -r wheelhouse/requirements.txt
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wheel_name_version(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return re.sub(r"[-_.]+", "-", name).lower(), version


def main(dest: str) -> int:
    out = Path(dest)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    # Assay itself, as a wheel, then a wheel of everything it depends on: pure-Python sdists
    # (jieba ships no wheel) are built here, so the workstation never needs to build anything.
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)], check=True)
    own = next(out.glob("assay-*.whl"))
    subprocess.run([*pip, "wheel", "--wheel-dir", str(out), str(own)], check=True)
    lines = []
    for wheel in sorted(out.glob("*.whl")):
        name, version = wheel_name_version(wheel)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} --hash=sha256:{digest}")
    (out / "requirements.txt").write_text("\n".join(lines) + "\n")
    print(
        f"{len(lines)} wheels in {out}; install with:\n  pip install --no-index "
        f"--find-links {out} --require-hashes -r {out / 'requirements.txt'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist/wheelhouse"))

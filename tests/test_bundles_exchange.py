"""The exchange package stands on the kernel alone: it imports no service or facade, its modules
form no cycle, and an Exchange over a bare Session exports and verifies a bundle."""

from __future__ import annotations

import ast
from pathlib import Path

from desktop.core.exchange import Exchange
from desktop.core.kernel.session import Session

from .test_bundles_helpers import ADA

PACKAGE = Path(__file__).resolve().parents[1] / "desktop" / "core" / "exchange"
FORBIDDEN = (
    "claims",
    "review",
    "agreement",
    "workspace",
    "services",
    "exports",
    "imports",
    "ingest",
    "demo",
)


def _imports() -> dict[str, set[str]]:
    """Module name → the desktop.core modules it imports (absolute dotted names)."""
    out = {}
    for path in sorted(PACKAGE.glob("*.py")):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    base = "desktop.core.exchange"
                elif node.level == 2:
                    base = "desktop.core"
                else:
                    base = ""
                name = ".".join(x for x in (base, node.module or "") if x)
                found.add(name)
                found.update(f"{name}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        out[path.stem] = {n for n in found if n.startswith("desktop.") and n.count(".") >= 2}
    return out


def test_exchange_imports_only_the_kernel_and_itself():
    for module, names in _imports().items():
        for name in names:
            parts = name.split(".")
            assert parts[:2] == ["desktop", "core"], (module, name)
            assert parts[2] not in FORBIDDEN, f"exchange/{module}.py imports {name}"
            assert parts[2] in ("exchange", "kernel", "zipsafe"), (module, name)


def test_no_cycles_inside_the_package():
    graph = {
        module: {
            n.split(".")[3]
            for n in names
            if n.count(".") >= 3 and n.startswith("desktop.core.exchange.")
        }
        for module, names in _imports().items()
    }
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " → ".join((*path, module))
        if module in done:
            return
        for dep in graph[module]:
            visit(dep, (*path, module))
        done.add(module)

    for module in graph:
        if module != "__init__":
            visit(module, ())


def test_an_exchange_over_a_bare_session(tmp_path):
    Session.create_store(tmp_path / "ws", "bare")
    session = Session(tmp_path / "ws", profile=ADA)
    try:
        exchange = Exchange(session)
        info = exchange.export_bundle(tmp_path / "empty.assay")
        assert exchange.verify_bundle(tmp_path / "empty.assay").bundle_id == info.bundle_id
        assert [k.mine for k in exchange.keys()] == [True]
        assert exchange.my_key().fingerprint == info.fingerprint
        assert exchange.preview_bundle(tmp_path / "empty.assay").counts["analysts"].unchanged == 1
        assert exchange.conflicts() == []
    finally:
        session.close()

"""Signed bundles (`.assay` files) between workstations: export, verify, import and merge,
the keyring they are checked against, and the conflicts merges leave. `Exchange` is the one
entry point; it works on a kernel Session and knows nothing of the workspace facade."""

from .conflicts import Conflict
from .container import FORMAT, FORMAT_VERSION
from .digest import state_digest, state_lines
from .importer import ImportPreview, ImportResult
from .keyring import KeyInfo
from .manifest import BundleInfo
from .merge import EntityCounts
from .records import ENTITIES, ORDER, Entity, canonical, strict_loads
from .service import Exchange

__all__ = [
    "ENTITIES",
    "FORMAT",
    "FORMAT_VERSION",
    "ORDER",
    "BundleInfo",
    "Conflict",
    "Entity",
    "EntityCounts",
    "Exchange",
    "ImportPreview",
    "ImportResult",
    "KeyInfo",
    "canonical",
    "state_digest",
    "state_lines",
    "strict_loads",
]

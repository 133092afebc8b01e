"""The local keyring: the analysts' keys this workstation trusts (or revoked), and the
active analyst's own public key to hand to colleagues."""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..kernel import keys
from ..kernel.errors import BundleError, NotFound
from ..kernel.session import Session
from .records import ID_RE, strict_loads


@dataclass
class KeyInfo:
    fingerprint: str
    name: str
    analyst_id: str
    role: str | None
    trusted_at: str | None
    revoked_at: str | None
    mine: bool = False

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "trusted"


def compact_fp(fp: str) -> str:
    """A fingerprint as 64 upper-case hex digits, whatever spacing it was written with."""
    return re.sub(r"[^0-9A-Fa-f]", "", fp or "").upper()


def format_fp(compact: str) -> str:
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


class Keyring:
    """Trust, revoke and list analysts' keys; the keyring signatures are checked against."""

    def __init__(self, session: Session):
        self.session = session

    def _my_raw(self) -> bytes:
        return keys.public_raw(self.session.signing_key.public_key())

    def keys(self) -> list[KeyInfo]:
        """The local keyring: keys trusted (or revoked) on this workstation."""
        mine = compact_fp(keys.fingerprint(self._my_raw()))
        return [
            KeyInfo(
                r["fingerprint"],
                r["name"] or "",
                r["analyst_id"] or "",
                r["role"],
                r["trusted_at"],
                r["revoked_at"],
                compact_fp(r["fingerprint"]) == mine,
            )
            for r in self.session.rows(
                "SELECT k.fingerprint, k.name, k.analyst_id, k.trusted_at, k.revoked_at, a.role"
                " FROM keyring k LEFT JOIN analysts a ON a.id = k.analyst_id"
                " ORDER BY k.name COLLATE NOCASE, k.fingerprint"
            )
        ]

    def my_key(self) -> KeyInfo:
        profile = self.session.profile
        return KeyInfo(
            keys.fingerprint(self._my_raw()),
            profile.name,
            profile.id,
            profile.role,
            None,
            None,
            True,
        )

    def export_public_key(self, path: str | Path) -> KeyInfo:
        """Write the active analyst's public key (name, id, role, key, fingerprint) to PATH."""
        raw = self._my_raw()
        info = self.my_key()
        profile = self.session.profile
        doc = {
            "assay_public_key": 1,
            "name": profile.name,
            "analyst_id": profile.id,
            "role": profile.role,
            "public_key": keys.encode_public(raw),
            "fingerprint": info.fingerprint,
        }
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
        tmp.write_text(
            json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.replace(tmp, path)
        return info

    def trust_key(self, source: str | Path, expected_fingerprint: str) -> KeyInfo:
        """Trust a colleague's key, once the fingerprint read out of band matches it."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            try:
                text = Path(source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise keys.KeyProblem(f"Cannot read the key file {source}: {exc}") from exc
        try:
            doc = strict_loads(text, "The key file")
        except BundleError as exc:
            raise keys.KeyProblem(str(exc)) from None
        if not (
            isinstance(doc, dict)
            and isinstance(doc.get("public_key"), str)
            and isinstance(doc.get("name"), str)
            and isinstance(doc.get("analyst_id"), str)
            and ID_RE.fullmatch(doc["analyst_id"])
        ):
            raise keys.KeyProblem(
                "That is not an Assay public key file (made by `assay keys export`)."
            )
        public = keys.decode_public(doc["public_key"])
        raw = keys.public_raw(public)
        actual = keys.fingerprint(raw)  # computed from the key, never taken from the file
        typed = compact_fp(expected_fingerprint)
        if len(typed) < 16:
            raise keys.KeyProblem(
                "Type at least the first 16 hex digits of the fingerprint, "
                "as read out by the key's owner."
            )
        if not compact_fp(actual).startswith(typed):
            raise keys.KeyProblem(
                f"The key in this file has fingerprint {actual}, which does not match the "
                f"{format_fp(typed)} you were given; it was NOT trusted. Check with its owner "
                "over a separate channel."
            )
        with self.session.action(f"Trust key of {doc['name']}") as tx:
            tx.insert(
                "keyring",
                {
                    "fingerprint": actual,
                    "public_key": keys.encode_public(raw),
                    "name": doc["name"],
                    "analyst_id": doc["analyst_id"],
                    "trusted_at": tx.now,
                    "revoked_at": None,
                },
                travelling=False,
            )
            tx.audit(
                "trust key", "key", actual, {"name": doc["name"], "analyst_id": doc["analyst_id"]}
            )
        return KeyInfo(actual, doc["name"], doc["analyst_id"], doc.get("role"), tx.now, None, False)

    def find(self, fingerprint: str) -> dict:
        """The keyring entry whose fingerprint starts with FINGERPRINT (16 hex digits or more)."""
        typed = compact_fp(fingerprint)
        if len(typed) < 16:
            raise NotFound("Give at least the first 16 hex digits of the key's fingerprint.")
        found = [
            r
            for r in self.session.rows("SELECT * FROM keyring")
            if compact_fp(r["fingerprint"]).startswith(typed)
        ]
        if not found:
            raise NotFound(f"No key with fingerprint {format_fp(typed)} in this keyring.")
        if len(found) > 1:
            raise NotFound("Several keys start with that fingerprint; give more of it.")
        return found[0]

    def entry(self, compact: str) -> dict | None:
        """The keyring entry for exactly this fingerprint (64 hex digits), trusted or not."""
        return next(
            (
                r
                for r in self.session.rows("SELECT * FROM keyring")
                if compact_fp(r["fingerprint"]) == compact
            ),
            None,
        )

    def revoke_key(self, fingerprint: str) -> KeyInfo:
        """Stop trusting a key: bundles it signed are refused from now on."""
        row = self.find(fingerprint)
        with self.session.action(f"Revoke key of {row['name'] or row['analyst_id']}") as tx:
            tx.update("keyring", (row["fingerprint"],), {"revoked_at": tx.now})
            tx.audit("revoke key", "key", row["fingerprint"], {"name": row["name"]})
        return KeyInfo(
            row["fingerprint"],
            row["name"] or "",
            row["analyst_id"] or "",
            None,
            row["trusted_at"],
            tx.now,
            False,
        )

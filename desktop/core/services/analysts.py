"""The analysts of a workspace: the roster, who is at the keyboard, and who supervises."""

from __future__ import annotations

import base64

from ..kernel import keys
from ..kernel.changes import Changes
from ..kernel.errors import NotFound, PermissionDenied
from ..kernel.service import Service


class Analysts(Service):
    """Who works in this workspace; the roster grants the supervisor role."""

    @property
    def is_supervisor(self) -> bool:
        return self.session.is_supervisor

    def analysts(self) -> list[dict]:
        return self.session.rows(
            "SELECT id, name, role, fingerprint, created_at FROM analysts"
            " ORDER BY name COLLATE NOCASE"
        )

    def switch_analyst(self, profile, passphrase: str | None = None) -> None:
        """Change who is working on a shared workstation; recorded in the audit log. A key
        protected by a passphrase is unlocked first: the wrong one changes nothing."""
        if profile.id == self.profile.id and profile.role == self.profile.role:
            return
        if profile.id != self.profile.id:
            self.session.unlock(profile.id, passphrase)
        previous = self.profile
        self.session.switch_profile(profile)  # one person's undo steps are not another's
        with self._write() as tx:
            tx.audit(
                "switch analyst",
                "analyst",
                profile.id,
                {
                    "from": previous.id,
                    "from_name": previous.name,
                    "to_name": profile.name,
                    "role": "supervisor" if self.session.is_supervisor else "analyst",
                },
            )

    def needs_passphrase(self, analyst_id: str) -> bool:
        """Whether switching to this analyst needs their passphrase first: their key is
        protected by one and not yet unlocked in this session."""
        return analyst_id not in self.session.unlocked and keys.is_protected(analyst_id)

    def promote_analyst(self, who: str) -> Changes:
        """Make an analyst a supervisor (supervisors only); audited and sealed with your key."""
        return self._set_role(who, "supervisor")

    def demote_analyst(self, who: str) -> Changes:
        """Make a supervisor an analyst again (supervisors only; never the last one)."""
        return self._set_role(who, "analyst")

    def _set_role(self, who: str, role: str) -> Changes:
        if not self.session.is_supervisor:
            raise PermissionDenied(
                f"Only a supervisor changes roles; {self.profile.name} is an analyst here."
            )
        row = self._find(who)
        if row["role"] == role:
            return Changes()
        if role == "analyst":
            left = self.session.scalar(
                "SELECT count(*) FROM analysts WHERE role = 'supervisor' AND id != ?", [row["id"]]
            )
            if not left:
                raise PermissionDenied(
                    f"{row['name']} is the last supervisor; promote another first."
                )
        verb = "Promote" if role == "supervisor" else "Demote"
        with self._action(f"{verb} {row['name']}") as tx:
            after = tx.update("analysts", (row["id"],), {"role": role, "hlc": tx.hlc()})
            payload = keys.roster_seal(after)
            signature = keys.sign(self.session.signing_key, payload)
            tx.insert(  # the seal lets any peer's bundle carry the change on
                "seals",
                {
                    "entity": "analysts",
                    "key": row["id"],
                    "by": self.profile.id,
                    "payload_sha256": _sha(payload),
                    "signature": base64.b64encode(signature).decode(),
                },
                travelling=False,
            )
            tx.audit(
                f"{verb.lower()} analyst",
                "analyst",
                row["id"],
                {"name": row["name"], "from": row["role"], "to": role},
            )
        return tx.changes

    def _find(self, who: str) -> dict:
        rows = self.session.rows(
            "SELECT id, name, role FROM analysts WHERE id = ? OR name = ? COLLATE NOCASE",
            [who, who],
        )
        if not rows:
            raise NotFound(f"No analyst {who!r} in this workspace; see `assay analyst list`.")
        if len(rows) > 1:
            raise NotFound(f"{len(rows)} analysts are called {who!r}; give the id instead.")
        return rows[0]


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()

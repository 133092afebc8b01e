"""The analysts of a workspace: the roster, and who is at the keyboard."""

from __future__ import annotations

from ..kernel.service import Service


class Analysts(Service):
    """Who works in this workspace."""

    @property
    def is_supervisor(self) -> bool:
        return self.session.is_supervisor

    def analysts(self) -> list[dict]:
        return self.session.rows(
            "SELECT id, name, role, fingerprint, created_at FROM analysts"
            " ORDER BY name COLLATE NOCASE"
        )

    def switch_analyst(self, profile) -> None:
        """Change who is working on a shared workstation; recorded in the audit log."""
        if profile.id == self.profile.id and profile.role == self.profile.role:
            return
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
                    "role": profile.role,
                },
            )

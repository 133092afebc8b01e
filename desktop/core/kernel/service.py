"""What every service stands on: the session, and nothing of any other service."""

from __future__ import annotations

from .session import Session


class Service:
    """A domain's actions and queries over one Session. Services never import each other;
    what one needs of another arrives as a callable at construction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def db(self):
        return self.session.db

    @property
    def profile(self):
        return self.session.profile

    @property
    def is_supervisor(self) -> bool:
        return self.session.is_supervisor

    def _action(self, label: str):
        return self.session.action(label)

    def _write(self):
        return self.session.write()

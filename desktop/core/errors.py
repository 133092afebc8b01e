"""Errors a user can cause, with messages a person can act on."""


class AssayError(Exception):
    """Base of every error Assay reports to a user (CLI: stderr + exit 1; GUI: a dialog)."""


class IngestError(AssayError):
    """A file could not be imported (unsupported, unreadable, hostile or empty)."""


class WorkspaceError(AssayError):
    """A workspace cannot be opened or used as asked."""


class WorkspaceLocked(WorkspaceError):
    """Another process holds the workspace for writing."""


class ReadOnlyWorkspace(WorkspaceError):
    """A write was attempted on a workspace opened read-only."""


class QueryError(AssayError):
    """A search query could not be understood."""


class NotFound(AssayError):
    """A document, annotation or other entity named by the user does not exist."""

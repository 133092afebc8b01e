"""Every error a user can cause, in one place, with messages a person can act on."""


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


class Cancelled(AssayError):
    """The user stopped a long action before it finished."""


class PermissionDenied(AssayError):
    """The active analyst may not do this (role or ownership)."""


class RatingError(AssayError):
    """A rating value that is not on its scale."""


class AnnotationError(AssayError):
    """An annotation, tag or link request that cannot be carried out as asked."""


class ReviewError(AssayError):
    """A review step that the claim's state does not allow."""


class AchError(AssayError):
    """A matrix, hypothesis, evidence row or rating of an ACH matrix that cannot be used as asked."""


class KeyProblem(AssayError):
    """A key is missing, unreadable or does not verify."""


class BundleError(AssayError):
    """A bundle cannot be written, read, trusted or applied; nothing was changed."""


class BundleCancelled(BundleError):
    """The person cancelled; nothing was changed."""


class ConflictError(AssayError):
    """A conflict cannot be resolved as asked."""


class ExportError(AssayError):
    """An export that cannot be made as asked (bad selection, nothing to export, unwritable)."""


class AnnotationImportError(AssayError):
    """A file of annotations that cannot be imported; nothing was changed."""


class RefiImportError(AnnotationImportError):
    """A REFI-QDA project (.qdpx) that cannot be imported."""


class WebAnnotationImportError(AnnotationImportError):
    """A W3C Web Annotation file that cannot be imported."""


class StixImportError(AnnotationImportError):
    """A STIX 2.1 bundle that cannot be imported."""


class JudgementError(AssayError):
    """A key judgement request that cannot be carried out as asked."""


class PeerRefused(BundleError):
    """A bundle carries a record its signer may not have made; nothing of it was applied."""


class PassphraseError(KeyProblem):
    """A private key's passphrase is missing or wrong."""

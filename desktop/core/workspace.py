"""The Workspace facade: open or create a workspace folder; every user action is a method here.

Read it as the list of what a user can do. Each action is one line that names the service doing
the work (desktop/core/services/, over the kernel's Session); open, close, upgrade and recovery
are the Workspace's own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .exchange import Exchange
from .kernel.changes import Changes
from .kernel.ids import document_id, name_id
from .kernel.profile import Profile
from .kernel.records import (
    MARKINGS,
    SOURCE_KINDS,
    Cancel,
    CheckReport,
    Document,
    FileProblem,
    ImportReport,
    Progress,
    SearchHit,
    is_iso_date,
)
from .kernel.session import DB_NAME, JOURNAL, Session
from .services.ach import Ach
from .services.agreement import Agreement
from .services.analysts import Analysts
from .services.annotations import Annotations
from .services.documents import Documents
from .services.graph import Graph
from .services.judgements import Judgements
from .services.links import Links
from .services.maintenance import Maintenance
from .services.review import Reviews
from .services.search import Search
from .services.sources import Sources
from .services.tags import Tags
from .services.timeline import Timeline

__all__ = [
    "MARKINGS",
    "SOURCE_KINDS",
    "Cancel",
    "Changes",
    "CheckReport",
    "Document",
    "FileProblem",
    "ImportReport",
    "Progress",
    "SearchHit",
    "Workspace",
    "document_id",
    "is_iso_date",
    "name_id",
]


@dataclass
class Services:
    """One service per domain, each over the same Session."""

    documents: Documents
    sources: Sources
    annotations: Annotations
    tags: Tags
    links: Links
    review: Reviews
    analysts: Analysts
    search: Search
    maintenance: Maintenance
    agreement: Agreement
    exchange: Exchange
    judgements: Judgements
    ach: Ach
    # the analytic views: the claim graph and the timeline (read only)
    graph: Graph
    timeline: Timeline


class _Via:
    """`name = _Via("service")` on Workspace: the action is the service's method of that name
    (with its signature and docstring), so the facade stays a list of what a user can do."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, ws, owner=None):
        if ws is None:  # on the class: the service's function, for help() and signatures
            cls = Services.__dataclass_fields__[self.service].type
            return getattr(globals()[cls] if isinstance(cls, str) else cls, self.name)
        return getattr(getattr(ws.services, self.service), self.name)


class Workspace:
    """A workspace folder: assay.db (SQLite, WAL), index/ (Whoosh), blobs/sha256/…, lock."""

    DB_NAME = DB_NAME

    def __init__(self, path: Path, *, readonly: bool = False, profile: Profile | None = None):
        self.session = s = Session(path, readonly=readonly, profile=profile)
        search = Search(s)
        self.services = Services(
            Documents(s),
            Sources(s),
            Annotations(s),
            Tags(s),
            Links(s),
            Reviews(s),
            Analysts(s),
            search,
            Maintenance(s),
            Agreement(s),
            Exchange(s, index_pending=search.index_pending, derive_text=_derive_text),
            Judgements(s),
            Ach(s),
            Graph(s),
            Timeline(s),
        )
        s.indexer = search.index_pending
        try:
            if not readonly:
                self._recover()
        except BaseException:
            self.close()
            raise

    # -- opening and closing -------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path, *, name: str | None = None, profile: Profile | None = None
    ) -> Workspace:
        Session.create_store(path, name)
        return cls(path, profile=profile)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        readonly: bool = False,
        create: bool = False,
        profile: Profile | None = None,
    ) -> Workspace:
        path = Path(path)
        if create and not (path / DB_NAME).exists():
            return cls.create(path, profile=profile)
        return cls(path, readonly=readonly, profile=profile)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _recover(self) -> None:
        """After a crash: drop blobs that no committed document owns, replay the index queue."""
        journal = self.path / JOURNAL
        if journal.exists():
            self.session.collect_orphan_blobs()
            journal.unlink()
        search = self.services.search
        pending = search.pending_index()
        if self.index.rebuilt:
            search.requeue_everything()
            pending = 1
        if pending:
            search.recovering = True
            try:
                search.index_pending()
            finally:
                search.recovering = False

    def schema_history(self) -> list[str]:
        """The schema upgrades applied to this store, oldest first (for the About box)."""
        return self.session.schema_steps()

    # -- what the session knows ------------------------------------------------------------------
    path = property(lambda self: self.session.path)
    readonly = property(lambda self: self.session.readonly)
    db = property(lambda self: self.session.db)
    index = property(lambda self: self.session.index)
    clock = property(lambda self: self.session.clock)
    replica_id = property(lambda self: self.session.replica_id)
    name = property(lambda self: self.session.name)
    upgraded_from = property(lambda self: self.session.upgraded_from)
    signing_key = property(lambda self: self.session.signing_key)
    is_supervisor = property(lambda self: self.session.is_supervisor)

    @property
    def profile(self) -> Profile:
        return self.session.profile

    @profile.setter
    def profile(self, value: Profile) -> None:
        self.session.profile = value

    def blob_path(self, sha256: str) -> Path:
        return self.session.blob_path(sha256)

    # -- undo ------------------------------------------------------------------------------------
    def batch(self, label: str):
        """Several actions as one undo step: all of them, or (on an error) none."""
        return self.session.batch(label)

    def deferred_indexing(self):
        return self.session.deferred_indexing()

    def undo_label(self) -> str | None:
        return self.session.undo_label()

    def redo_label(self) -> str | None:
        return self.session.redo_label()

    def undo(self) -> Changes:
        return self.session.undo()

    def redo(self) -> Changes:
        return self.session.redo()

    # -- documents -------------------------------------------------------------------------------
    import_paths = _Via("documents")
    document = _Via("documents")
    find_document = _Via("documents")
    document_ids = _Via("documents")
    document_summaries = _Via("documents")
    list_documents = _Via("documents")
    count_documents = _Via("documents")
    languages = _Via("documents")
    document_properties = _Via("documents")
    update_document = _Via("documents")
    update_documents = _Via("documents")
    remove_document = _Via("documents")
    remove_documents = _Via("documents")
    removed_documents = _Via("documents")
    restore_document = _Via("documents")
    keep_import_time = _Via("documents")

    # -- sources ---------------------------------------------------------------------------------
    sources = _Via("sources")
    set_source = _Via("sources")
    edit_sources = _Via("sources")

    # -- notes and claims ------------------------------------------------------------------------
    annotation = _Via("annotations")
    annotations = _Via("annotations")
    annotations_by_ids = _Via("annotations")
    annotation_ids = _Via("annotations")
    annotation_choices = _Via("annotations")
    annotation_counts = _Via("annotations")
    count_annotations = _Via("annotations")
    claims = _Via("annotations")
    tradecraft = _Via("annotations")
    work_on = _Via("annotations")
    returned_to_me = _Via("annotations")
    add_note = _Via("annotations")
    add_claim = _Via("annotations")
    add_imported = _Via("annotations")
    edit_claim = _Via("annotations")
    convert_to_claim = _Via("annotations")
    delete_annotation = _Via("annotations")

    # -- tags ------------------------------------------------------------------------------------
    tags = _Via("tags")
    create_tag = _Via("tags")
    tag_annotation = _Via("tags")
    untag_annotation = _Via("tags")
    set_tag_colour = _Via("tags")
    rename_tag = _Via("tags")
    merge_tags = _Via("tags")
    delete_tag = _Via("tags")

    # -- links between claims --------------------------------------------------------------------
    links = _Via("links")
    link_claims = _Via("links")
    unlink = _Via("links")

    # -- review ----------------------------------------------------------------------------------
    submit = _Via("review")
    submit_document = _Via("review")
    review = _Via("review")
    add_imported_review = _Via("review")
    reviews = _Via("review")
    last_review = _Via("review")
    last_reviews = _Via("review")
    review_queue = _Via("review")
    review_queue_ids = _Via("review")
    review_queue_choices = _Via("review")
    history = _Via("review")
    agreement = _Via("agreement")

    # -- key judgements ---------------------------------------------------------------------------
    add_judgement = _Via("judgements")
    edit_judgement = _Via("judgements")
    delete_judgement = _Via("judgements")
    judgement = _Via("judgements")
    judgements = _Via("judgements")
    submit_judgement = _Via("judgements")
    review_judgement = _Via("judgements")
    judgement_reviews = _Via("judgements")
    judgement_history = _Via("judgements")
    # -- the claim graph and the timeline ---------------------------------------------------------
    claim_graph = _Via("graph")
    graph_layout = _Via("graph")
    timeline = _Via("timeline")

    # -- analysts --------------------------------------------------------------------------------
    analysts = _Via("analysts")
    switch_analyst = _Via("analysts")
    needs_passphrase = _Via("analysts")
    promote_analyst = _Via("analysts")
    demote_analyst = _Via("analysts")

    # -- search ----------------------------------------------------------------------------------
    search = _Via("search")
    pending_index = _Via("search")
    index_pending = _Via("search")
    reindex = _Via("search")

    # -- keeping it sound ------------------------------------------------------------------------
    check = _Via("maintenance")
    backup = _Via("maintenance")
    verify_audit = _Via("maintenance")
    keep_unsaved = _Via("maintenance")
    unsaved = _Via("maintenance")
    drop_unsaved = _Via("maintenance")

    # -- signed bundles, keys and conflicts ---------------------------------------------------------
    export_bundle = _Via("exchange")
    verify_bundle = _Via("exchange")
    show_bundle = _Via("exchange")
    preview_bundle = _Via("exchange")
    import_bundle = _Via("exchange")
    bundles_sent = _Via("exchange")
    quarantined = _Via("exchange")
    keys = _Via("exchange")
    my_key = _Via("exchange")
    export_public_key = _Via("exchange")
    trust_key = _Via("exchange")
    revoke_key = _Via("exchange")
    conflicts = _Via("exchange")
    resolve_conflict = _Via("exchange")

    # -- analysis of competing hypotheses ----------------------------------------------------------
    create_matrix = _Via("ach")
    rename_matrix = _Via("ach")
    delete_matrix = _Via("ach")
    add_hypothesis = _Via("ach")
    edit_hypothesis = _Via("ach")
    remove_hypothesis = _Via("ach")
    add_matrix_evidence = _Via("ach")
    remove_matrix_evidence = _Via("ach")
    rate_cell = _Via("ach")
    matrices = _Via("ach")
    matrix = _Via("ach")
    matrix_sensitivity = _Via("ach")


def _derive_text(data: bytes, filename: str) -> str:
    """A document's normalised text, read again from its original bytes (peers' bundles)."""
    from . import ingest

    return ingest.parse_bytes(data, filename).text

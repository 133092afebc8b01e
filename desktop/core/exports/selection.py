"""What an export holds: documents, annotations, reviews, links and tags chosen by a Selection."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from desktop.core.kernel.ids import normalise_tag, tag_id
from desktop.core.kernel.records import STATUSES, Annotation, Link, Review, default_colour

from ..kernel import marking, scales
from ..kernel.ach import Matrix, within
from ..kernel.errors import ExportError
from ..workspace import Document, Workspace


@dataclass(frozen=True)
class Selection:
    """Which work leaves the workspace. Empty filters mean "all"; the ceiling always applies.

    `documents` are ids, id prefixes or titles; `tags` match a tag and its children;
    `analysts` are ids or display names; `statuses` are annotation review states. A document
    marked above `ceiling` never leaves, nor does anything anchored in it (the rule is
    kernel/marking.py's, shared with bundles: an unmarked document ranks as RED, one with a
    marking Assay does not know never leaves).
    """

    documents: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    analysts: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    ceiling: str = "RED"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "ceiling", marking.check_ceiling(self.ceiling))
        except scales.RatingError as exc:
            raise ExportError(str(exc)) from exc
        statuses = tuple(s.strip().lower().replace(" ", "_") for s in self.statuses)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ExportError(
                f"Unknown status {', '.join(unknown)}; use one of {', '.join(STATUSES)}."
            )
        object.__setattr__(self, "statuses", statuses)
        object.__setattr__(self, "tags", tuple(normalise_tag(t) for t in self.tags))
        object.__setattr__(self, "documents", tuple(self.documents))
        object.__setattr__(self, "analysts", tuple(self.analysts))

    @property
    def filters_annotations(self) -> bool:
        return bool(self.tags or self.analysts or self.statuses)

    def describe(self) -> str:
        """One line for covers and manifests: 'documents: …; tags: …; ceiling TLP:AMBER'."""
        parts = []
        for label, values in (
            ("documents", self.documents),
            ("tags", self.tags),
            ("analysts", self.analysts),
            ("statuses", self.statuses),
        ):
            if values:
                parts.append(f"{label}: {', '.join(v.replace('_', ' ') for v in values)}")
        parts.append(f"ceiling TLP:{self.ceiling}")
        return "; ".join(parts) if len(parts) > 1 else f"all work; ceiling TLP:{self.ceiling}"


@dataclass
class ExportedDocument:
    document: Document
    annotations: list[Annotation]
    source_kind: str | None = None
    modified: str = ""  # latest of the import and its annotations' edits


@dataclass
class ExportSet:
    """Everything one export writes, read once from the workspace."""

    selection: Selection
    workspace_name: str
    replica_id: str
    created: str
    documents: list[ExportedDocument]
    reviews: dict[str, list[Review]]
    links: list[Link]
    analysts: dict[str, dict]
    tags: dict[str, dict]  # name → {id, name, parent_id, colour}, ancestors of used tags included
    withheld: int = 0  # documents left out because their marking is above the ceiling
    annotation_index: dict[str, Annotation] = field(default_factory=dict)
    # ACH matrices under the ceiling, each scored over the claims this export carries
    matrices: list[Matrix] = field(default_factory=list)

    @property
    def annotations(self) -> list[Annotation]:
        return [a for d in self.documents for a in d.annotations]

    @property
    def claims(self) -> list[Annotation]:
        return [a for a in self.annotations if a.kind == "claim"]

    @property
    def highest_marking(self) -> str:
        marks = [d.document.marking for d in self.documents] + [m.marking for m in self.matrices]
        if not marks:
            return "CLEAR"
        return max(marks, key=scales.marking_rank)

    def document_of(self, ann: Annotation) -> Document:
        for d in self.documents:
            if d.document.id == ann.document_id:
                return d.document
        raise KeyError(ann.document_id)

    def links_of(self, ann_id: str) -> list[Link]:
        return [lk for lk in self.links if ann_id in (lk.from_id, lk.to_id)]

    def claims_only(self) -> ExportSet:
        """The same export narrowed to claims and the documents that hold them (for reports)."""
        docs = [
            ExportedDocument(
                d.document,
                [a for a in d.annotations if a.kind == "claim"],
                d.source_kind,
                d.modified,
            )
            for d in self.documents
        ]
        docs = [d for d in docs if d.annotations]
        index = {a.id: a for d in docs for a in d.annotations}
        return replace(
            self,
            documents=docs,
            annotation_index=index,
            reviews={k: v for k, v in self.reviews.items() if k in index},
            links=[lk for lk in self.links if lk.from_id in index and lk.to_id in index],
        )

    def last_decision(self, ann_id: str) -> Review | None:
        decided = [r for r in self.reviews.get(ann_id, []) if r.decision != "submit"]
        return decided[-1] if decided else None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _matches_tag(ann: Annotation, wanted: tuple[str, ...]) -> bool:
    return any(t == w or t.startswith(w + "/") for t in ann.tags for w in wanted)


def gather(ws: Workspace, selection: Selection | None = None) -> ExportSet:
    """Read the selected work, leaving out everything marked above the ceiling."""
    selection = selection or Selection()
    if selection.documents:
        doc_ids = list(dict.fromkeys(ws.find_document(ref).id for ref in selection.documents))
    else:
        doc_ids = [d["id"] for d in ws.list_documents(order="title")]
    analysts = {a["id"]: a for a in ws.analysts()}
    wanted_analysts = {a.casefold() for a in selection.analysts}
    if selection.analysts:
        known = {a["id"].casefold() for a in analysts.values()} | {
            (a["name"] or "").casefold() for a in analysts.values()
        }
        missing = [a for a in selection.analysts if a.casefold() not in known]
        if missing:
            raise ExportError(f"No analyst named {', '.join(missing)} in this workspace.")
    kinds = {s["name"]: s["kind"] for s in ws.sources()}

    documents: list[ExportedDocument] = []
    withheld = 0
    for doc_id in doc_ids:
        doc = ws.document(doc_id)
        if not marking.may_leave(doc.marking, selection.ceiling):
            withheld += 1
            continue
        anns = ws.annotations(doc.id)
        if selection.tags:
            anns = [a for a in anns if _matches_tag(a, selection.tags)]
        if selection.analysts:
            anns = [
                a
                for a in anns
                if a.created_by.casefold() in wanted_analysts
                or (a.analyst or "").casefold() in wanted_analysts
            ]
        if selection.statuses:
            anns = [a for a in anns if a.status in selection.statuses]
        if selection.filters_annotations and not anns:
            continue
        modified = max([doc.imported_at, *(a.updated_at for a in anns)])
        documents.append(ExportedDocument(doc, anns, kinds.get(doc.source or ""), modified))

    index = {a.id: a for d in documents for a in d.annotations}
    reviews = {ann_id: ws.reviews(ann_id) for ann_id in index}
    links: dict[str, Link] = {}
    for ann_id, ann in index.items():
        if ann.kind != "claim":
            continue
        for lk in ws.links(ann_id):
            # a link leaves only when both claims do, so nothing above the ceiling is named
            if lk.from_id in index and lk.to_id in index:
                links[lk.id] = lk
    people = {a.created_by for a in index.values()}
    people |= {r.reviewer_id for thread in reviews.values() for r in thread}
    used = {t for a in index.values() for t in a.tags}
    all_tags = {t["name"]: t for t in ws.tags()}
    tags: dict[str, dict] = {}
    for name in sorted(used):
        parts = name.split("/")
        for i in range(1, len(parts) + 1):
            path = "/".join(parts[:i])
            tags[path] = all_tags.get(path) or {
                "id": tag_id(path),
                "name": path,
                "colour": default_colour(path),
                "parent_id": tag_id(path.rsplit("/", 1)[0]) if "/" in path else None,
            }
    # ACH matrices: those under the ceiling that hold a claim of this export (or, with no
    # filter, every one); rows whose claims stay behind are shown without them and not counted
    keep = set(index)
    matrices = []
    for m in ws.matrices():
        if not marking.may_leave(m["marking"], selection.ceiling):
            continue
        full = ws.matrix(m["id"])
        if any(r.annotation_id in keep for r in full.rows) or not (
            selection.filters_annotations or selection.documents
        ):
            matrices.append(within(full, {r.annotation_id for r in full.rows} & keep))
    return ExportSet(
        matrices=matrices,
        selection=selection,
        workspace_name=ws.name,
        replica_id=ws.replica_id,
        created=utc_now(),
        documents=documents,
        reviews=reviews,
        links=sorted(links.values(), key=lambda lk: lk.id),
        analysts={i: analysts.get(i, {"id": i, "name": i, "role": "analyst"}) for i in people},
        tags=tags,
        withheld=withheld,
        annotation_index=index,
    )

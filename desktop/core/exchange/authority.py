"""Who may have made what a bundle carries: record by record, the signer (or the author's own
seal) must be entitled to it, else the whole bundle is refused.

A *seal* is an author's Ed25519 signature over what they own in one record: the content and
ratings of their annotation or claim (with each field's clock value, so an old version cannot
be replayed as new), a review they wrote, or an analyst's name and role (sealed by that analyst
or, for a role, by a supervisor). Seals travel inside records (`"s"`) and are kept in the
`seals` table, so a peer can forward work it received and the author's signature goes with it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from .. import zipsafe
from ..kernel import keys
from ..kernel.errors import IngestError, KeyProblem, PeerRefused
from .records import ID_RE, REVIEW_COLUMNS, Invalid, key_str

# What an author owns in a record; `status` follows reviews and is not the author's alone.
OWNED = {
    "annotations": ("start", "end", "quote", "prefix", "suffix", "kind", "comment", "deleted"),
    "claims": ("statement", "credibility", "likelihood", "confidence", "rationale", "deleted"),
}
ROSTER = ("id", "name", "role", "public_key", "hlc")
SEALED = ("analysts", *OWNED, "reviews")


def seal_payload(name: str, values: dict, rec: dict) -> bytes:
    """The bytes an author signs for this record: what they own in it, and nothing else."""
    if name in OWNED:
        default, over = rec["d"], rec["c"]
        body: Any = {f: [values[f], (over.get(f) or default)[0]] for f in OWNED[name]}
        if name == "annotations":
            body["created_by"] = values["created_by"]
    elif name == "reviews":
        body = {c: values[c] for c in REVIEW_COLUMNS}
    else:
        return keys.roster_seal(values)
    return keys.seal_bytes(name, key_str(name, values), body)


def check_seal_shape(seal: Any) -> None:
    if not (isinstance(seal, dict) and set(seal) == {"by", "sig"}):
        raise Invalid("a seal with by and sig")
    if not (isinstance(seal["by"], str) and ID_RE.fullmatch(seal["by"])):
        raise Invalid("a seal by an analyst id")
    try:
        raw = base64.b64decode(seal["sig"], validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 64:
        raise Invalid("a seal holding an Ed25519 signature")


def _cols(fields) -> str:
    return ", ".join(f'"{f}"' for f in fields)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _owner(db, name: str, values: dict) -> str | None:
    if name == "annotations":
        found = db.execute("SELECT created_by FROM annotations WHERE id = ?", [values["id"]])
        row = found.fetchone()
        return row[0] if row else values["created_by"]
    if name == "claims":
        found = db.execute(
            "SELECT created_by FROM annotations WHERE id = ?", [values["annotation_id"]]
        ).fetchone()
        return found[0] if found else None
    if name == "reviews":
        return values["reviewer_id"]
    return values["id"]


class Sealer:
    """At export: the seal each record of SEALED entities carries, signed afresh when its
    author's key is unlocked in this session, else the one kept from when it arrived."""

    def __init__(self, db, signer_id: str, key_for: Callable[[str], Any]):
        self.db, self.signer_id, self.key_for = db, signer_id, key_for
        found = db.execute("SELECT role FROM analysts WHERE id = ?", [signer_id]).fetchone()
        self.supervisor = bool(found and found[0] == "supervisor")
        self.supervisors = [
            r[0]
            for r in db.execute(
                "SELECT id FROM analysts WHERE role = 'supervisor' AND public_key IS NOT NULL"
            )
        ]

    def __call__(self, name: str, rec: dict) -> dict | None:
        if name not in SEALED:
            return None
        values = rec["v"]
        kstr = key_str(name, values)
        body = seal_payload(name, values, rec)
        sha = _sha(body)
        kept = self.db.execute(
            "SELECT by, payload_sha256, signature FROM seals WHERE entity = ? AND key = ?",
            [name, kstr],
        ).fetchone()
        if kept and kept[1] == sha:
            return {"by": kept[0], "sig": kept[2]}
        owner = _owner(self.db, name, values)
        candidates = [owner] if owner else []
        if self.supervisor:  # a supervisor answers for a role, and for work they resolved
            candidates.insert(0 if name == "analysts" else 1, self.signer_id)
        candidates += [s for s in self.supervisors if s not in candidates]
        for by in candidates:
            key = self.key_for(by)
            if key is None:
                continue
            sig = base64.b64encode(keys.sign(key, body)).decode()
            self.db.execute(
                "INSERT OR REPLACE INTO seals(entity, key, by, payload_sha256, signature)"
                " VALUES (?,?,?,?,?)",
                [name, kstr, by, sha, sig],
            )
            return {"by": by, "sig": sig}
        return None


class Authority:
    """At import: refuses any record its bundle's signer may not have made (see the README's
    table "What a peer may and may not send")."""

    def __init__(
        self,
        db,
        opened,
        signer_id: str,
        blob_path: Callable[[str], Any],
        derive_text: Callable[[bytes, str], str] | None = None,
    ):
        self.db, self.opened, self.signer = db, opened, signer_id
        self.blob_path, self.derive_text = blob_path, derive_text
        self.bundle = opened.path.name
        self.signer_name = opened.info.signer_name
        self.public: dict[str, Any] = {}
        for aid, public in db.execute(
            "SELECT id, public_key FROM analysts WHERE public_key IS NOT NULL"
        ):
            self._add_key(aid, public)
        for aid, public in db.execute(  # the keyring (trusted here) outranks the roster
            "SELECT analyst_id, public_key FROM keyring WHERE revoked_at IS NULL"
        ):
            self._add_key(aid, public)
        for aid, _public in db.execute(
            "SELECT analyst_id, public_key FROM keyring WHERE revoked_at IS NOT NULL"
        ):
            self.public.pop(aid, None)

    def _add_key(self, aid: str | None, public: str) -> None:
        if aid:
            try:
                self.public[aid] = keys.decode_public(public)
            except KeyProblem:
                pass

    # helpers ----------------------------------------------------------------------------------
    def _refuse(self, where: str, what: str) -> PeerRefused:
        return PeerRefused(
            f"{self.bundle} is refused: {where}: {what}. It is signed by {self.signer_name}, "
            "who may not send that; nothing was changed."
        )

    def _name(self, aid: str | None) -> str:
        found = self.db.execute("SELECT name FROM analysts WHERE id = ?", [aid]).fetchone()
        return str(found[0]) if found else str(aid)

    def _supervisors(self) -> set[str]:
        return {
            r[0]
            for r in self.db.execute(
                "SELECT id FROM analysts WHERE role = 'supervisor' AND public_key IS NOT NULL"
            )
        }

    def _sealed_by(self, name: str, values: dict, rec: dict) -> str | None:
        """Who sealed this record, if the seal is there and is good."""
        seal = rec.get("s")
        if seal is None:
            return None
        public = self.public.get(seal["by"])
        if public is None:
            return None
        sig = base64.b64decode(seal["sig"])
        if not keys.verify(public, sig, seal_payload(name, values, rec)):
            return None
        return seal["by"]

    def _vouched(self, name: str, values: dict, rec: dict, allowed: set[str]) -> bool:
        """The signer, or a good seal, is one of ALLOWED."""
        return self.signer in allowed or self._sealed_by(name, values, rec) in allowed

    # the rules --------------------------------------------------------------------------------
    def check(self, name: str, values: dict, rec: dict, where: str) -> None:
        if name == "analysts":
            self._analyst(values, rec, where)
        elif name in OWNED:
            self._owned(name, values, rec, where)
        elif name == "reviews":
            self._review(values, rec, where)
        elif name == "documents":
            self._document(values, where)

    def _analyst(self, values: dict, rec: dict, where: str) -> None:
        local = self.db.execute(
            "SELECT name, role, public_key FROM analysts WHERE id = ?", [values["id"]]
        ).fetchone()
        who = f"analyst {values['name']!r} ({values['id']})"
        supervisors = self._supervisors()
        if local is None:
            if values["role"] != "supervisor" or values["public_key"] is None:
                return  # someone known by name only signs nothing, so their role grants nothing
            # a newcomer arrives as supervisor only on a supervisor's word; a roster with no
            # supervisor yet takes the first one on their own signature (as a new workspace does)
            allowed = supervisors or {values["id"]}
            if not self._vouched("analysts", values, rec, allowed):
                raise self._refuse(where, f"{who} arrives as a supervisor")
            return
        name, role, public = local
        if values["public_key"] is None:
            return  # a name-only entry never replaces a keyed one (merge ignores it)
        trusted = (
            public
            and self.db.execute(  # a key this workstation checked out of band
                "SELECT 1 FROM keyring WHERE public_key = ? AND revoked_at IS NULL", [public]
            ).fetchone()
        )
        if (
            trusted
            and values["public_key"] != public
            and not self._vouched("analysts", values, rec, {values["id"], *supervisors})
        ):
            raise self._refuse(where, f"it replaces the key of {who}")
        if role != values["role"] and not self._vouched("analysts", values, rec, supervisors):
            raise self._refuse(
                where, f"it changes the role of {who} from {role} to {values['role']}"
            )
        if name != values["name"] and not self._vouched(
            "analysts", values, rec, {values["id"], *supervisors}
        ):
            raise self._refuse(where, f"it renames {who} (here {name!r})")

    def _owned(self, name: str, values: dict, rec: dict, where: str) -> None:
        fields = OWNED[name]
        if name == "annotations":
            found = self.db.execute(
                f"SELECT created_by, {_cols(fields)} FROM annotations WHERE id = ?",
                [values["id"]],
            ).fetchone()
            if found is not None and found[0] != values["created_by"]:
                raise self._refuse(
                    where,
                    f"annotation {values['id']} names {self._name(values['created_by'])} "
                    f"as its author, here it is {self._name(found[0])}'s",
                )
            owner = values["created_by"] if found is None else found[0]
            local = None if found is None else tuple(found[1:])
            what = f"annotation {values['id']}"
        else:
            owner = _owner(self.db, name, values)
            found = self.db.execute(
                f"SELECT {_cols(fields)} FROM claims WHERE annotation_id = ?",
                [values["annotation_id"]],
            ).fetchone()
            local = None if found is None else tuple(found)
            what = f"the claim of annotation {values['annotation_id']}"
        if owner == self.signer or local == tuple(values[f] for f in fields):
            return
        if not self._vouched(name, values, rec, {owner, *self._supervisors()}):
            verb = "writes" if local is None else "changes"
            raise self._refuse(
                where,
                f"it {verb} {what}, which belongs to {self._name(owner)}, without their seal",
            )

    def _review(self, values: dict, rec: dict, where: str) -> None:
        found = self.db.execute(
            f"SELECT {', '.join(REVIEW_COLUMNS)} FROM reviews WHERE id = ?", [values["id"]]
        ).fetchone()
        if found is not None and dict(zip(REVIEW_COLUMNS, found, strict=True)) == values:
            return  # already held exactly so: nothing new is claimed
        author = self.db.execute(
            "SELECT created_by FROM annotations WHERE id = ?", [values["annotation_id"]]
        ).fetchone()
        author = author[0] if author else None
        reviewer = values["reviewer_id"]
        what = f"review {values['id']} of annotation {values['annotation_id']}"
        supervisors = self._supervisors()
        keyless = self.db.execute(
            "SELECT 1 FROM analysts WHERE id = ? AND public_key IS NULL", [reviewer]
        ).fetchone()
        if keyless and self.signer in supervisors and reviewer != author:
            return  # read from a file by a supervisor, who answers for it (no key to seal)
        if values["decision"] == "submit":
            if reviewer != author:
                raise self._refuse(
                    where, f"{what} submits another analyst's work ({self._name(author)}'s)"
                )
        else:
            if reviewer not in self._supervisors():
                raise self._refuse(
                    where,
                    f"{what} ({values['decision']}) is by {self._name(reviewer)}, who is not "
                    "a supervisor here",
                )
            if reviewer == author:
                raise self._refuse(where, f"{what} reviews its reviewer's own claim")
        if (
            reviewer != self.signer
            and self.signer not in supervisors  # a supervisor answers for what they relay
            and self._sealed_by("reviews", values, rec) != reviewer
        ):
            raise self._refuse(
                where,
                f"{what} claims to be by {self._name(reviewer)} without their seal",
            )

    def _document(self, values: dict, where: str) -> None:
        found = self.db.execute(
            "SELECT text, deleted FROM documents WHERE id = ?", [values["id"]]
        ).fetchone()
        if values["deleted"] and found is not None and not found[1]:
            others = self.db.execute(
                "SELECT created_by FROM annotations WHERE document_id = ? AND deleted = 0"
                " AND created_by IS NOT ? LIMIT 1",
                [values["id"], self.signer],
            ).fetchone()
            if others is not None and self.signer not in self._supervisors():
                raise self._refuse(
                    where,
                    f"it removes document {values['id']} ({values['title']!r}), which holds "
                    f"{self._name(others[0])}'s work",
                )
        if found is not None and found[0] == values["text"]:
            return
        derived = self._derive_text(values, where)
        if derived != values["text"]:
            raise self._refuse(
                where,
                f"the text of document {values['id']} ({values['title']!r}) is not the text "
                "of its original file",
            )

    def _derive_text(self, values: dict, where: str) -> str:
        sha = values["sha256"]
        member = self.opened.members.get(f"blobs/sha256/{sha}")
        if member is not None:
            data = b"".join(zipsafe.read_chunks(self.opened.fh, member, member.size))
        else:
            path = self.blob_path(sha)
            if not path.exists():
                raise self._refuse(where, f"document {values['id']} arrives without its file")
            data = path.read_bytes()
        if not values["filename"]:
            raise self._refuse(
                where, f"document {values['id']} has no file name to read its original by"
            )
        if self.derive_text is None:
            raise self._refuse(where, f"the text of document {values['id']} cannot be checked")
        try:
            return self.derive_text(data, values["filename"])
        except IngestError as exc:
            raise self._refuse(
                where, f"the original file of document {values['id']} cannot be read ({exc})"
            ) from None

    def keep(self, name: str, values: dict, rec: dict) -> None:
        """Keep a good seal whose record now stands here as it came, to forward it later."""
        if name not in SEALED or rec.get("s") is None:
            return
        by = self._sealed_by(name, values, rec)
        if by is None or not self._stands(name, values):
            return
        self.db.execute(
            "INSERT OR REPLACE INTO seals(entity, key, by, payload_sha256, signature)"
            " VALUES (?,?,?,?,?)",
            [
                name,
                key_str(name, values),
                by,
                _sha(seal_payload(name, values, rec)),
                rec["s"]["sig"],
            ],
        )

    def _stands(self, name: str, values: dict) -> bool:
        if name in OWNED:
            fields, table = OWNED[name], name
        elif name == "reviews":
            fields, table = REVIEW_COLUMNS, name
        else:
            fields, table = ROSTER, name
        key = "annotation_id" if name == "claims" else "id"
        found = self.db.execute(
            f"SELECT {_cols(fields)} FROM {table} WHERE {key} = ?", [values[key]]
        ).fetchone()
        return found is not None and tuple(found) == tuple(values[f] for f in fields)


def tag_cycle(db) -> list[str] | None:
    """A chain of tag ids whose parents lead back to one of them, if the tags hold one."""
    parent = dict(db.execute("SELECT id, parent_id FROM tags WHERE parent_id IS NOT NULL"))
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_path:
                return path[path.index(node) :] + [node]
            path.append(node)
            on_path.add(node)
            node = parent.get(node)
        done.update(path)
    return None

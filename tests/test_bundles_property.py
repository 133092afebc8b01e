"""Property: three workstations edit at random and swap bundles in any order; they converge
and every value ever written is current, kept as a conflict, or was replaced by a person."""

from __future__ import annotations

import difflib
import itertools
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from db import store
from desktop.core.exchange import ENTITIES, canonical, state_digest, state_lines
from desktop.core.kernel.errors import AssayError
from desktop.core.kernel.hlc import HybridClock, wall_ms
from desktop.core.workspace import Workspace

from .test_bundles_helpers import ADA, BEN, SAM, trust, workstation

OWNERS = (ADA, ADA, BEN)  # Ada works on two machines, so her own edits can collide
TAGS = ("actor", "actor/state", "policy", "capability/exploit")
WORDS = ("likely", "doubtful", "confirmed", "", "see annex", "翻译")
TITLES = ("Alpha report", "Alpha (revised)", "Alpha, final", "Beta brief", "Beta v2")
COLOURS = ("#112233", "#445566", "#abcdef")
FIELDS = {
    "statement": st.sampled_from(WORDS[:3] + ("tools", "claim")),
    "credibility": st.sampled_from([None, 1, 2, 3, 6]),
    "likelihood": st.sampled_from([None, "likely", "unlikely", "almost_certain"]),
    "confidence": st.sampled_from([None, "low", "high"]),
    "rationale": st.sampled_from(WORDS),
    "comment": st.sampled_from(WORDS),
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Three workstations holding the same documents, each trusting Ada's and Ben's keys."""
    root = tmp_path_factory.mktemp("stations")
    profile = root / "profile"
    prev = os.environ.get("ASSAY_PROFILE_DIR")
    os.environ["ASSAY_PROFILE_DIR"] = str(profile)
    try:
        stations = [
            workstation(root, name, owner) for name, owner in zip("abc", OWNERS, strict=True)
        ]
        a, b, c = stations
        for receiver in (a, b):
            trust(receiver, c, root)
        trust(c, a, root)
        # Sam supervises on each (the first to claim it there) and each knows his key, so the
        # reviews he writes travel under his seal through anyone's bundle
        for w in stations:
            w.switch_analyst(SAM)
        for w in stations:
            trust(w, a, root)
        for w, owner in zip(stations, OWNERS, strict=True):
            w.switch_analyst(owner)
        # shared work to start from, so edits on different machines meet from the first step
        docs = [d["id"] for d in a.list_documents(order="title")]
        for k, doc in enumerate(docs):
            a.add_claim(doc, 3 + k, 25 + k, f"seed {k}", credibility=2, tags=["policy"])
            c.add_claim(doc, 30 + k, 50 + k, f"ben {k}", likelihood="likely")
        a.add_note(docs[0], 10, 20, comment="seed note")
        a.export_bundle(root / "seed-a.assay")
        c.export_bundle(root / "seed-c.assay")
        for w, bundle in ((b, "a"), (c, "a"), (a, "c"), (b, "c")):
            w.import_bundle(root / f"seed-{bundle}.assay")
        for w in stations:
            w.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            w.close()
    finally:
        if prev is None:
            os.environ.pop("ASSAY_PROFILE_DIR", None)
        else:
            os.environ["ASSAY_PROFILE_DIR"] = prev
    return root


def field_values(ws: Workspace) -> dict:
    out = {}
    for name, ent in ENTITIES.items():
        cols = ", ".join(f'"{c}"' for c in (*ent.key, *ent.fields))
        for r in store.rows(ws.db, f"SELECT {cols} FROM {name}"):
            key = "|".join(str(r[c]) for c in ent.key)
            for f in ent.fields:
                out[(name, key, f)] = canonical(r[f]).decode()
    return out


class Ticks:
    """A shared fake wall clock: each reading is one millisecond later, so replays repeat."""

    def __init__(self, start: int):
        self.ms = start

    def __call__(self) -> int:
        self.ms += 1
        return self.ms


IDS = itertools.count()


def seeded_uuid4() -> uuid.UUID:
    return uuid.UUID(int=next(IDS) * 0x9E3779B97F4A7C15 % 2**128, version=4)


class Exchange(RuleBasedStateMachine):
    ROOT: Path

    def __init__(self):
        global IDS
        super().__init__()
        IDS = itertools.count()  # ids and clock readings repeat exactly when hypothesis replays
        self.dir = Path(tempfile.mkdtemp(prefix="assay-exchange-"))
        self.ws: list[Workspace] = []
        for name, owner in zip("abc", OWNERS, strict=True):
            shutil.copytree(
                self.ROOT / name, self.dir / name, ignore=shutil.ignore_patterns("lock")
            )
            w = Workspace.open(self.dir / name, profile=owner)
            w.session.defer_index = True  # the search index plays no part in merging
            self.ws.append(w)
        ticks = Ticks(max(wall_ms(w.clock.last) for w in self.ws) + 1000)
        for w in self.ws:
            w.session.clock = HybridClock(w.clock.last, now_ms=ticks)
        self.docs = [d["id"] for d in self.ws[0].list_documents(order="title")]
        self.bundles: list[Path] = []
        self.written: set[tuple] = set()
        self.replaced: set[tuple] = set()

    # helpers --------------------------------------------------------------------------------
    def act(self, i: int, action) -> None:
        """Run one local action, noting each value it wrote and each value it replaced."""
        w = self.ws[i]
        before = field_values(w)
        try:
            action(w)
        except AssayError:
            pass
        after = field_values(w)
        for key, value in after.items():
            old = before.get(key)
            if old != value:
                self.written.add((*key, value))
                if old is not None:
                    self.replaced.add((*key, old))
        for key in before.keys() - after.keys():  # an exact undo took away a row never sent
            self.replaced.add((*key, before[key]))

    def pick(self, data, w: Workspace, sql: str, args=()) -> str | None:
        ids = [r[0] for r in w.db.execute(sql, list(args))]
        return data.draw(st.sampled_from(sorted(ids))) if ids else None

    def mine(self, data, w: Workspace) -> str | None:
        return self.pick(
            data,
            w,
            "SELECT id FROM annotations WHERE deleted = 0 AND created_by = ?",
            [w.profile.id],
        )

    # rules ----------------------------------------------------------------------------------
    @rule(
        i=st.integers(0, 2),
        doc=st.integers(0, 2),
        start=st.integers(0, 60),
        length=st.integers(1, 30),
        claim=st.booleans(),
        data=st.data(),
    )
    def annotate(self, i, doc, start, length, claim, data):
        tags = data.draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))
        if claim:
            values = {k: data.draw(s) for k, s in FIELDS.items() if k != "comment"}
            self.act(
                i, lambda w: w.add_claim(self.docs[doc], start, start + length, tags=tags, **values)
            )
        else:
            self.act(
                i,
                lambda w: w.add_note(
                    self.docs[doc],
                    start,
                    start + length,
                    comment=data.draw(FIELDS["comment"]),
                    tags=tags,
                ),
            )

    @rule(i=st.integers(0, 2), data=st.data())
    def edit(self, i, data):
        ann = self.mine(data, self.ws[i])
        if ann:
            name = data.draw(st.sampled_from(sorted(FIELDS)))
            value = data.draw(FIELDS[name])
            self.act(i, lambda w: w.edit_claim(ann, **{name: value}))

    @rule(i=st.integers(0, 2), data=st.data())
    def delete(self, i, data):
        ann = self.mine(data, self.ws[i])
        if ann:
            self.act(i, lambda w: w.delete_annotation(ann))

    @rule(i=st.integers(0, 2), tag=st.sampled_from(TAGS), add=st.booleans(), data=st.data())
    def tag(self, i, tag, add, data):
        ann = self.mine(data, self.ws[i])
        if ann:
            self.act(i, lambda w: (w.tag_annotation if add else w.untag_annotation)(ann, [tag]))

    @rule(i=st.integers(0, 2), tag=st.sampled_from(TAGS), colour=st.sampled_from(COLOURS))
    def colour(self, i, tag, colour):
        self.act(i, lambda w: w.set_tag_colour(tag, colour))

    @rule(i=st.integers(0, 2), doc=st.integers(0, 2), title=st.sampled_from(TITLES))
    def retitle(self, i, doc, title):
        self.act(i, lambda w: w.update_document(self.docs[doc], title=title))

    @rule(
        i=st.integers(0, 2),
        name=st.sampled_from(("Wire", "Ministry")),
        reliability=st.sampled_from("ABCF"),
    )
    def source(self, i, name, reliability):
        self.act(i, lambda w: w.set_source(name, reliability=reliability))

    @rule(
        i=st.integers(0, 2),
        relation=st.sampled_from(("corroborates", "contradicts")),
        comment=st.sampled_from(WORDS),
        data=st.data(),
    )
    def link(self, i, relation, comment, data):
        w = self.ws[i]
        sql = "SELECT id FROM annotations WHERE deleted = 0 AND kind = 'claim'"
        a, b = self.pick(data, w, sql), self.pick(data, w, sql)
        if a and b:
            self.act(i, lambda w: w.link_claims(a, b, relation, comment))

    @rule(i=st.integers(0, 2), data=st.data())
    def unlink(self, i, data):
        lid = self.pick(data, self.ws[i], "SELECT id FROM links WHERE deleted = 0")
        if lid:
            self.act(i, lambda w: w.unlink(lid))

    @rule(i=st.integers(0, 2), data=st.data())
    def submit(self, i, data):
        ann = self.mine(data, self.ws[i])
        if ann:
            self.act(i, lambda w: w.submit(ann))

    @rule(
        i=st.integers(0, 2),
        decision=st.sampled_from(("approve", "reject", "request_changes")),
        data=st.data(),
    )
    def review(self, i, decision, data):
        ann = self.pick(
            data,
            self.ws[i],
            "SELECT id FROM annotations WHERE deleted = 0 AND status = 'submitted'",
        )
        if ann:

            def as_supervisor(w):
                w.switch_analyst(SAM)
                try:
                    w.review(ann, decision, "because")
                finally:
                    w.switch_analyst(OWNERS[i])

            self.act(i, as_supervisor)

    @rule(i=st.integers(0, 2))
    def undo(self, i):
        self.act(i, lambda w: w.undo())

    @rule(i=st.integers(0, 2))
    def export(self, i):
        path = self.dir / f"{len(self.bundles)}-{'abc'[i]}.assay"
        self.ws[i].export_bundle(path)
        self.bundles.append(path)

    @rule(i=st.integers(0, 2), data=st.data())
    def receive(self, i, data):
        """Any bundle, in any order, any number of times (even one's own)."""
        if self.bundles:
            self.ws[i].import_bundle(data.draw(st.sampled_from(self.bundles)))

    # the end: everyone sends their latest bundle to everyone ---------------------------------
    def teardown(self):
        try:
            finals = []
            for i, w in enumerate(self.ws):
                finals.append(self.dir / f"final-{'abc'[i]}.assay")
                w.export_bundle(finals[-1])
            for i, w in enumerate(self.ws):
                for j, path in enumerate(finals):
                    if i != j:
                        w.import_bundle(path)
            digests = [state_digest(w) for w in self.ws]
            if len(set(digests)) != 1:
                a, b = ([x.decode()[:400] for x in state_lines(w)] for w in self.ws[:2])
                diff = "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:40])
                raise AssertionError(f"workstations differ after the exchange:\n{diff}")
            for w in self.ws:
                assert store.integrity_problems(w.db) == []
                assert w.verify_audit().ok
            final = field_values(self.ws[0])
            kept = set()
            for w in self.ws:
                for c in w.conflicts(unresolved_only=False):
                    for value in (c.local_value, c.remote_value):
                        kept.add((c.entity, c.entity_id, c.field, canonical(value).decode()))
            lost = [
                x
                for x in self.written
                if final.get(x[:3]) != x[3] and x not in kept and x not in self.replaced
            ]
            assert not lost, f"values lost without a conflict: {lost[:5]}"
        finally:
            for w in self.ws:
                w.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def _run(templates, monkeypatch, examples: int, steps: int) -> None:
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(templates / "profile"))
    monkeypatch.setattr(uuid, "uuid4", seeded_uuid4)
    Exchange.ROOT = templates
    run_state_machine_as_test(
        Exchange,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_three_workstations_converge_and_lose_nothing(templates, monkeypatch):
    _run(templates, monkeypatch, examples=25, steps=40)


@pytest.mark.slow
def test_three_workstations_converge_long_histories(templates, monkeypatch):
    _run(templates, monkeypatch, examples=200, steps=80)


def test_conflict_values_are_json(templates, monkeypatch):
    """The conflicts the property relies on keep both sides as JSON values, not strings."""
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(templates / "profile"))
    root = Path(tempfile.mkdtemp(prefix="assay-json-"))
    try:
        ws = []
        for name, owner in zip("ab", OWNERS, strict=False):
            shutil.copytree(templates / name, root / name, ignore=shutil.ignore_patterns("lock"))
            ws.append(Workspace.open(root / name, profile=owner))
        a, b = ws
        c = a.add_claim(a.list_documents()[0]["id"], 0, 5, "x", credibility=2).created
        a.export_bundle(root / "a0.assay")
        b.import_bundle(root / "a0.assay")
        a.edit_claim(c, credibility=3)
        b.edit_claim(c, credibility=4)
        b.export_bundle(root / "b1.assay")
        a.import_bundle(root / "b1.assay")
        (conflict,) = a.conflicts()
        assert json.loads(a.db.execute("SELECT local_value FROM conflicts").fetchone()[0]) == 3
        assert (conflict.local_value, conflict.remote_value) == (3, 4)
        for w in ws:
            w.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)

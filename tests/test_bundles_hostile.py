"""Hostile and broken bundles: each refused with a clear error, the workspace left unchanged."""

from __future__ import annotations

import json
import os
import random
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core import zipsafe
from desktop.core.exchange import canonical, state_digest
from desktop.core.exchange import container as bundles
from desktop.core.kernel.errors import BundleError

from .test_bundles_helpers import (
    ADA,
    BEN,
    CAROL,
    members,
    pack,
    put_records,
    records,
    resign,
    snapshot,
    span,
    trust,
    workstation,
)


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A (Ada) with claims, tags, a link and a review; B (Ben) trusts A; one good bundle."""
    root = tmp_path_factory.mktemp("hostile")
    prev = os.environ.get("ASSAY_PROFILE_DIR")
    os.environ["ASSAY_PROFILE_DIR"] = str(root / "profile")
    a = workstation(root, "a", ADA)
    b = workstation(root, "b", BEN)
    trust(b, a, root)
    c1 = a.add_claim(
        *span(a, "Alpha", "AI-enabled tools"), "tools", credibility=2, tags=["capability/exploit"]
    ).created
    c2 = a.add_claim(
        *span(a, "Beta", "domestic accelerators"), "accelerators", likelihood="likely"
    ).created
    a.link_claims(c1, c2, "corroborates")
    a.submit(c1)
    a.export_bundle(root / "good.assay")
    a.update_document(a.find_document("Gamma").id, title="Gamma, retitled")
    a.export_bundle(root / "second.assay")
    yield {
        "a": a,
        "b": b,
        "root": root,
        "good": (root / "good.assay").read_bytes(),
        "second": (root / "second.assay").read_bytes(),
    }
    a.close()
    b.close()
    if prev is None:
        os.environ.pop("ASSAY_PROFILE_DIR", None)
    else:
        os.environ["ASSAY_PROFILE_DIR"] = prev


@pytest.fixture
def refuse(setting, tmp_path):
    """refuse(data, match): importing DATA fails with MATCH and B is exactly as before."""
    b = setting["b"]
    before = snapshot(b)
    counter = [0]

    def check(data: bytes, match: str | None, *, container: bool = True) -> BundleError:
        counter[0] += 1
        path = tmp_path / f"bad{counter[0]}.assay"
        path.write_bytes(data)
        with pytest.raises(BundleError, match=match or None) as err:
            b.import_bundle(path)
        assert "could not be applied" not in str(err.value)  # refused on purpose, not by a crash
        assert snapshot(b) == before
        with pytest.raises(BundleError):
            # verify checks the container, signature and hashes; records are checked on import
            (b.verify_bundle if container else b.preview_bundle)(path)
        assert snapshot(b) == before
        path.unlink()
        return err.value

    return check


def test_the_good_bundle_is_good_and_a_standard_zip(setting, tmp_path):
    path = tmp_path / "good.assay"
    path.write_bytes(setting["good"])
    info = setting["b"].verify_bundle(path)
    assert info.counts["annotations"] == 2
    files = members(setting["good"])  # Python's zipfile reads it: a plain, standard ZIP
    assert set(files) >= {"manifest.json", "manifest.sig", "records/annotations.jsonl"}
    assert json.loads(files["manifest.json"])["version"] == bundles.FORMAT_VERSION
    assert canonical(json.loads(files["manifest.json"])) == files["manifest.json"]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_flipped_byte_anywhere_is_refused(setting, refuse, data):
    good = setting["good"]
    pos = data.draw(st.integers(0, len(good) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor")
    bad = bytearray(good)
    bad[pos] ^= mask
    refuse(bytes(bad), "")


def test_truncation_anywhere_is_refused(setting, refuse):
    good = setting["good"]
    rng = random.Random(7)
    cuts = {0, 1, 21, 22, 100, len(good) - 1, len(good) - 22, len(good) - 23, len(good) - 98}
    cuts |= {rng.randrange(len(good)) for _ in range(40)}
    for n in sorted(cuts):
        refuse(good[:n], "")


def test_data_after_the_archive_is_refused(setting, refuse):
    refuse(setting["good"] + b"\0", "end-of-archive")
    refuse(b"PK\x03\x04junk" + setting["good"], "")


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    return list(members(data).items())


def test_member_not_in_manifest(setting, refuse):
    extra = "blobs/sha256/" + "0" * 64
    refuse(pack([*_entries(setting["good"]), (extra, b"surprise")]), "not listed in the manifest")
    refuse(
        pack([*_entries(setting["good"]), ("records/extra.jsonl", b"{}\n")]),
        "not listed in the manifest",
    )


def test_missing_member(setting, refuse):
    blob = next(n for n, _d in _entries(setting["good"]) if n.startswith("blobs/"))
    entries = [(n, d) for n, d in _entries(setting["good"]) if n != blob]
    refuse(pack(entries), "listed in the manifest but missing")
    entries = [(n, d) for n, d in _entries(setting["good"]) if n != "manifest.sig"]
    refuse(pack(entries), "no manifest.sig")


def test_duplicated_member_name(setting, refuse):
    entries = _entries(setting["good"])
    refuse(pack([*entries, entries[0]]), "more than once")


@pytest.mark.parametrize(
    "name, match",
    [
        (b"../records/annotations.jsonl", r"climbs out"),
        (b"records/../../etc/passwd", r"climbs out"),
        (b"/etc/passwd", "absolute path"),
        (b"C:/Windows/evil", "absolute path"),
        (b"records\\annotations.jsonl", "backslash"),
        (b"records/annotations.jsonl\x00.exe", "NUL"),
        (b"records/Evil.jsonl", "unexpected member"),
        (b"blobs/sha256/", "unexpected member"),
        ("records/é.jsonl".encode(), "unexpected member"),
    ],
)
def test_hostile_member_names(setting, refuse, name, match):
    refuse(pack([*_entries(setting["good"]), (name, b"x")]), match)


def test_symlink_entry(setting, refuse):
    entries = _entries(setting["good"])
    blob = next(n for n, _d in entries if n.startswith("blobs/"))
    link = {blob.encode(): {"external_attr": (zipsafe.SYMLINK_MODE | 0o777) << 16}}
    refuse(
        pack([(n, b"/etc/passwd" if n == blob else d) for n, d in entries], link), "symbolic link"
    )


def _deflate(data: bytes, level: int = 1) -> bytes:
    z = zlib.compressobj(level, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush()


def test_zip_bomb_by_ratio(setting, refuse):
    size = 64 * 2**20
    compressed = _deflate(b"\0" * size)
    name = "blobs/sha256/" + "1" * 64
    bomb = {
        name.encode(): {"method": zipsafe.DEFLATED, "size": size, "crc": zlib.crc32(b"\0" * size)}
    }
    refuse(pack([*_entries(setting["good"]), (name, compressed)], bomb), "zip bomb")


def test_zip_bomb_by_absolute_size(setting, refuse, monkeypatch):
    rng = random.Random(3)
    two_letters = bytes(0x61 + (i & 1) for i in range(256))
    plain = rng.randbytes(3 * 2**20).translate(two_letters)  # ratio ≈ 7: under the limit
    compressed = _deflate(plain)
    entries, raw = _entries(setting["good"]), {}
    for i in range(3):
        name = f"blobs/sha256/{i:064x}"
        entries.append((name, compressed))
        raw[name.encode()] = {
            "method": zipsafe.DEFLATED,
            "size": len(plain),
            "crc": zlib.crc32(plain),
        }
    data = pack(entries, raw)
    monkeypatch.setattr(bundles, "MAX_BUNDLE_BYTES", 8 * 2**20)
    assert len(data) < bundles.MAX_BUNDLE_BYTES
    refuse(data, "would unpack to more than")
    monkeypatch.setattr(bundles, "MAX_BUNDLE_BYTES", len(setting["good"]) // 2)
    refuse(setting["good"], "larger than")


def test_compressed_members_are_refused(setting, refuse):
    entries = _entries(setting["good"])
    name = "blobs/sha256/" + "2" * 64
    raw = {name.encode(): {"method": zipsafe.DEFLATED, "size": 3, "crc": zlib.crc32(b"abc")}}
    refuse(pack([*entries, (name, _deflate(b"abc"))], raw), "compressed")


def _manifest_text(setting) -> str:
    return members(setting["good"])["manifest.json"].decode()


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda t: t.replace('"format":', '"format":"assay-bundle","format":', 1), "twice"),
        (lambda t: t.replace('"created_hlc":', '"created_hlc":NaN,"x":', 1), "NaN"),
        (lambda t: t.replace('"created_hlc":', '"created_hlc":-Infinity,"x":', 1), "Infinity"),
        (lambda t: t.replace('"created_hlc":', '"created_hlc":1.5,"x":', 1), "fractional"),
        (
            lambda t: t.replace(
                '"selection":', '"selection":' + "[" * 10_000 + "]" * 10_000 + ',"y":', 1
            ),
            "nested",
        ),
        (
            lambda t: t.replace('"selection":', '"selection":' + "[" * 70 + "]" * 70 + ',"y":', 1),
            "64 levels",
        ),
        (lambda t: t[:-1], "not valid JSON"),
        (lambda t: "[" + t + "]", "not an object"),
    ],
)
def test_hostile_manifests_even_when_signed(setting, refuse, edit, match):
    text = edit(_manifest_text(setting))
    files = members(setting["good"])
    refuse(resign(files, setting["a"].signing_key, manifest_bytes=text.encode()), match)


def test_newer_major_version_is_refused_newer_minor_is_read(setting, refuse, tmp_path):
    files = members(setting["good"])
    manifest = json.loads(files["manifest.json"])
    err = refuse(
        resign(files, setting["a"].signing_key, manifest=dict(manifest, version="2.0")),
        "newer Assay",
    )
    assert "2.0" in str(err)
    newer = dict(manifest, version="1.7", bundle_id="minor-bump", hint="from the future")
    path = tmp_path / "minor.assay"
    path.write_bytes(resign(files, setting["a"].signing_key, manifest=newer))
    assert setting["b"].verify_bundle(path).version == "1.7"


def test_valid_signature_by_an_untrusted_key(setting, refuse):
    carol = workstation(setting["root"], "carol", CAROL)
    try:
        carol.export_bundle(setting["root"] / "carol.assay")
        fp = carol.my_key().fingerprint
    finally:
        carol.close()
    err = refuse((setting["root"] / "carol.assay").read_bytes(), "does not trust")
    assert fp in str(err) and "assay keys trust" in str(err)
    # the bundle's own analyst rows (carrying Carol's key) earn it no trust
    files = members((setting["root"] / "carol.assay").read_bytes())
    assert b"Carol Outsider" in files["records/analysts.jsonl"]


def test_a_trusted_name_on_an_untrusted_key(setting, refuse):
    files = members(setting["good"])
    manifest = json.loads(files["manifest.json"])
    stranger = Ed25519PrivateKey.generate()  # signs as Ada, with a key that is not Ada's
    refuse(resign(files, stranger, manifest=manifest), "signature does not match")


def test_swapped_signature(setting, refuse):
    good, second = members(setting["good"]), members(setting["second"])
    swapped = [(n, second["manifest.sig"] if n == "manifest.sig" else d) for n, d in good.items()]
    refuse(pack(swapped), "signature does not match")


def test_altered_member_with_the_signed_manifest(setting, refuse):
    files = members(setting["good"])
    files["records/claims.jsonl"] = files["records/claims.jsonl"].replace(
        b'"credibility":2', b'"credibility":1'
    )
    entries = list(files.items())
    refuse(pack(entries), "")  # sizes equal, so the hash check catches it
    files = members(setting["good"])
    files["records/claims.jsonl"] += b"\n"
    refuse(pack(list(files.items())), "")


def test_wrong_counts_in_a_signed_manifest(setting, refuse):
    files = members(setting["good"])
    manifest = json.loads(files["manifest.json"])
    manifest["counts"] = dict(manifest["counts"], claims=manifest["counts"]["claims"] + 1)
    refuse(resign(files, setting["a"].signing_key, manifest=manifest, recount=False), "counts")


# -- signed but invalid records: validation refuses the whole bundle ---------------------------
def _edit_record(setting, name: str, change) -> bytes:
    files = members(setting["good"])
    recs = records(files, name)
    change(recs)
    put_records(files, name, recs)
    return resign(files, setting["a"].signing_key)


@pytest.mark.parametrize(
    "name, change, match",
    [
        ("annotations", lambda r: r[0]["v"].update(status="bogus"), "status to be one of"),
        ("annotations", lambda r: r[0]["v"].update(kind="essay"), "kind to be one of"),
        ("annotations", lambda r: r[0]["v"].update(start=5, end=10**6), "outside its document"),
        ("annotations", lambda r: r[0]["v"].update(end=r[0]["v"]["start"]), "end comes after"),
        ("annotations", lambda r: r[0]["v"].update(start=True), "start to be a whole number"),
        ("annotations", lambda r: r[0]["v"].update(document_id="0" * 36), "neither in this bundle"),
        ("annotations", lambda r: r[0]["v"].update(surprise=1), "exactly the fields"),
        (
            "annotations",
            lambda r: r[0].update(d=[1, "x", "", "", []]) or r[0]["d"].pop(),
            "a version",
        ),
        ("annotations", lambda r: r[0]["c"].update(status=[-5, "r", "", "", []]), "valid clock"),
        ("claims", lambda r: r[0]["v"].update(credibility=7), "credibility to be a whole number"),
        ("claims", lambda r: r[0]["v"].update(likelihood="maybe"), "likelihood to be one of"),
        ("claims", lambda r: r[0]["v"].update(confidence="total"), "confidence to be one of"),
        ("claims", lambda r: r[0]["v"].update(annotation_id="nope"), "neither in this bundle"),
        ("links", lambda r: r[0]["v"].update(relation="likes"), "relation to be one of"),
        ("links", lambda r: r[0]["v"].update(id="0" * 36), "link id made from"),
        ("tags", lambda r: r[0]["v"].update(name="Upper Case"), "normalised name"),
        ("documents", lambda r: r[0]["v"].update(marking="SECRET"), "marking to be one of"),
        ("documents", lambda r: r[0]["v"].update(sha256="f" * 64), "derived from its sha256"),
        ("sources", lambda r: None, ""),
        ("reviews", lambda r: r[0]["v"].update(decision="shrug"), "decision to be one of"),
        ("analysts", lambda r: r[0]["v"].update(fingerprint="00"), "fingerprint matches"),
        # a name-only entry (someone known from an imported file) may not outrank a keyed one
        (
            "analysts",
            lambda r: r[0]["v"].update(public_key=None, fingerprint=None, hlc=2**40),
            "without a key to have no fingerprint and clock 0",
        ),
        (
            "analysts",
            lambda r: r[0]["v"].update(public_key=None),
            "without a key to have no fingerprint",
        ),
    ],
)
def test_invalid_records_are_refused(setting, refuse, tmp_path, name, change, match):
    data = _edit_record(setting, name, change)
    if not match:  # an unchanged (empty) table re-signed: valid, so it must import cleanly
        path = tmp_path / "ok.assay"
        path.write_bytes(data)
        assert setting["b"].preview_bundle(path).counts["annotations"].new == 2
        return
    refuse(data, match, container=False)


def test_a_record_line_that_is_not_json(setting, refuse):
    files = members(setting["good"])
    files["records/tags.jsonl"] += b'{"v": NaN}\n'
    refuse(resign(files, setting["a"].signing_key), r"tags.jsonl line \d+", container=False)


# -- replays ---------------------------------------------------------------------------------
def test_replayed_bundles_apply_harmlessly(setting, tmp_path):
    b = setting["b"]
    first, second = tmp_path / "1.assay", tmp_path / "2.assay"
    first.write_bytes(setting["good"])
    second.write_bytes(setting["second"])
    fresh_dir = setting["root"] / "replay"
    from .test_bundles_helpers import copy_workspace

    w = copy_workspace(b, fresh_dir, BEN)
    try:
        w.import_bundle(second)
        digest = state_digest(w)
        title = w.find_document("Gamma").title
        w.import_bundle(first)  # older, never seen: applies, changes nothing that matters
        assert state_digest(w) == digest and w.find_document("Gamma").title == title
        assert w.conflicts() == []
        before = snapshot(w)
        again = w.import_bundle(first)  # seen: refused as a no-op, byte for byte
        assert again.already_imported
        assert snapshot(w) == before
        # the same id with different content is not the same bundle
        files = members(setting["good"])
        manifest = json.loads(files["manifest.json"])
        other = resign(
            files, setting["a"].signing_key, manifest=dict(manifest, created="2000-01-01T00:00:00Z")
        )
        (tmp_path / "same-id.assay").write_bytes(other)
        with pytest.raises(BundleError, match="different bundle with the id"):
            w.import_bundle(tmp_path / "same-id.assay")
        assert snapshot(w) == before
    finally:
        w.close()


def test_not_a_file(setting, tmp_path):
    with pytest.raises(BundleError, match="not a file"):
        setting["b"].import_bundle(tmp_path / "nothing-here.assay")
    with pytest.raises(BundleError, match="not a file"):
        setting["b"].verify_bundle(Path(tmp_path))

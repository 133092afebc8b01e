"""Analysts' Ed25519 keys: made at first run, private half kept in the profile folder only."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import profile
from .errors import KeyProblem, PassphraseError
from .profile import profile_dir

if TYPE_CHECKING:  # cryptography loads only where keys are used (a plain search needs none)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def fingerprint(public_raw: bytes) -> str:
    """SHA-256 of the raw public key, as 16 groups of 4 hex digits (compare out of band)."""
    digest = hashlib.sha256(public_raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def short(fp: str) -> str:
    return fp.replace(" ", "")[:16]


def public_raw(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def encode_public(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_public(text: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except Exception as exc:
        raise KeyProblem(f"Not an Ed25519 public key: {exc}") from exc


def key_path(analyst_id: str, folder: Path | None = None) -> Path:
    return (folder or profile_dir()) / "keys" / f"{analyst_id}.pem"


PASSPHRASE_ENV = "ASSAY_PASSPHRASE"  # for scripts and tests; people are asked instead


def is_protected(analyst_id: str, folder: Path | None = None) -> bool:
    """Whether this analyst's private key file is encrypted with a passphrase."""
    path = key_path(analyst_id, folder)
    return path.exists() and b"ENCRYPTED" in path.read_bytes()[:64]


def has_key(analyst_id: str, folder: Path | None = None) -> bool:
    return key_path(analyst_id, folder).exists()


def _given(analyst_id: str, passphrase: str | None, why: str) -> str | None:
    if passphrase is not None:
        return passphrase
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    ask = profile.passphrase_prompt
    return ask(analyst_id, why) if ask is not None else None


def _write_key(path: Path, key: Ed25519PrivateKey, passphrase: str | None) -> None:
    from cryptography.hazmat.primitives import serialization

    if passphrase:
        protection = serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
    else:
        protection = serialization.NoEncryption()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)


def load_or_create_private_key(
    analyst_id: str, folder: Path | None = None, *, passphrase: str | None = None
) -> Ed25519PrivateKey:
    """This analyst's signing key, made on first use (protected by PASSPHRASE, or by
    $ASSAY_PASSPHRASE, when one is given) and readable by this user only. A protected key
    needs its passphrase: given, from $ASSAY_PASSPHRASE, or asked through `ask_passphrase`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(analyst_id, folder)
    if path.exists():
        data = path.read_bytes()
        password = None
        if b"ENCRYPTED" in data[:64]:
            given = _given(analyst_id, passphrase, "unlock")
            if not given:
                raise PassphraseError(
                    f"The signing key of analyst {analyst_id} is protected by a passphrase; "
                    f"give it when asked (or in ${PASSPHRASE_ENV} for scripts)."
                )
            password = given.encode("utf-8")
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except ValueError as exc:
            if password is not None:
                raise PassphraseError(
                    f"Wrong passphrase for the signing key of analyst {analyst_id}; "
                    "nothing was unlocked."
                ) from None
            raise KeyProblem(f"Your signing key {path} cannot be read: {exc}") from exc
        except Exception as exc:
            raise KeyProblem(f"Your signing key {path} cannot be read: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyProblem(f"{path} does not hold an Ed25519 key.")
        return key
    key = Ed25519PrivateKey.generate()
    _write_key(path, key, passphrase or os.environ.get(PASSPHRASE_ENV) or None)
    return key


def set_passphrase(
    analyst_id: str, new: str, *, old: str | None = None, folder: Path | None = None
) -> None:
    """Protect (or re-protect) this analyst's key with NEW; OLD unlocks it if it has one."""
    if len(new) < 8:
        raise PassphraseError("Choose a passphrase of at least 8 characters.")
    path = key_path(analyst_id, folder)
    if not path.exists():
        raise KeyProblem(f"Analyst {analyst_id} has no signing key on this workstation yet.")
    key = load_or_create_private_key(analyst_id, folder, passphrase=old)
    _write_key(path, key, new)


def seal_bytes(entity: str, key: str, body: dict) -> bytes:
    """What an author signs for the part of one record they own (see exchange/authority.py)."""
    import json

    return json.dumps(
        ["assay-seal/1", entity, key, body],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def roster_seal(row: dict) -> bytes:
    """The seal payload of an analyst's roster entry: name, role, key and clock."""
    return seal_bytes(
        "analysts", row["id"], {c: row[c] for c in ("id", "name", "role", "public_key", "hlc")}
    )


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def verify(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(signature, data)
        return True
    except InvalidSignature:
        return False

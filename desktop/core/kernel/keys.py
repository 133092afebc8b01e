"""Analysts' Ed25519 keys: made at first run, private half kept in the profile folder only."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import KeyProblem
from .profile import profile_dir

# cryptography is imported where a key is made, read, signs or verifies, not when the kernel
# is: a plain search never needs it (tests/test_coldstart.py)
if TYPE_CHECKING:
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


def load_or_create_private_key(analyst_id: str, folder: Path | None = None) -> Ed25519PrivateKey:
    """This analyst's signing key, made on first use and readable by this user only."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(analyst_id, folder)
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except Exception as exc:
            raise KeyProblem(f"Your signing key {path} cannot be read: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyProblem(f"{path} does not hold an Ed25519 key.")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def verify(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(signature, data)
        return True
    except InvalidSignature:
        return False

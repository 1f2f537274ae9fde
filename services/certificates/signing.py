"""The commune's Ed25519 signing key: generate, save, load, sign."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.certificates.verify import canonical_json, key_id, load_public_key

__all__ = [
    "canonical_json",
    "generate_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_pem",
    "save_private_key",
    "sign",
]


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def save_private_key(key: Ed25519PrivateKey, path: str | Path, *, overwrite: bool = False) -> None:
    """Write the key as PEM, readable by its owner only; FileExistsError unless `overwrite`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    # Created with mode 0600 from the start, so the key is never readable by others, even briefly.
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(path, 0o600)  # an overwritten file keeps its old mode otherwise


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The key saved at `path`; FileNotFoundError when there is none, ValueError when it is not Ed25519."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(key: Ed25519PrivateKey, content: dict) -> tuple[bytes, bytes]:
    """The canonical bytes of `content` and their signature."""
    payload = canonical_json(content)
    return payload, key.sign(payload)

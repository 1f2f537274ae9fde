"""Check a signed certificate PDF against the commune's public key; stdlib and cryptography only.

A signed certificate is the PDF as rendered (the body, ending with a newline
after `%%EOF`) followed by one comment line that PDF readers ignore:

    %BRK-SIGNATURE <base64url canonical JSON>.<base64url Ed25519 signature>

The JSON holds what was certified, to whom, and the SHA-256 of the body, so a
change to either the PDF or the JSON breaks the check. This file imports
nothing from the project so that anyone can run it on its own:

    python -m services.certificates.verify certificate.pdf berkane-signing-key.pem
"""

import base64
import binascii
import hashlib
import json
import sys
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MARKER = b"%BRK-SIGNATURE "
FORMAT = "brk-certificate/1"

# Failure codes, also used by the portal to choose its message.
NOT_SIGNED = "not_signed"
SIGNATURE_INVALID = "signature_invalid"
DOCUMENT_CHANGED = "document_changed"

REASONS = {
    NOT_SIGNED: "the file carries no Berkane signature line",
    SIGNATURE_INVALID: "the signature does not match the commune's public key",
    DOCUMENT_CHANGED: "the PDF was changed after it was signed",
}


def canonical_json(content: dict) -> bytes:
    """The one byte form of `content` that is signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint: the first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64url(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def signature_line(payload: bytes, signature: bytes) -> bytes:
    return MARKER + b64url(payload) + b"." + b64url(signature) + b"\n"


def body_of(pdf: bytes) -> bytes:
    """The rendered PDF as it is hashed: it must end with a newline so the signature is a line of its own."""
    return pdf if pdf.endswith(b"\n") else pdf + b"\n"


@dataclass(frozen=True)
class Signed:
    body: bytes
    payload: bytes
    signature: bytes


def split(data: bytes) -> Signed | None:
    """The body, signed JSON and signature of a signed PDF, or None when there is no well-formed signature line."""
    if not data.endswith(b"\n"):
        return None
    start = data.rfind(b"\n", 0, len(data) - 1) + 1
    line = data[start:-1]
    if start == 0 or not line.startswith(MARKER):
        return None
    parts = line[len(MARKER) :].split(b".")
    if len(parts) != 2:
        return None
    try:
        payload, signature = _unb64url(parts[0]), _unb64url(parts[1])
    except (binascii.Error, ValueError):
        return None
    return Signed(body=data[:start], payload=payload, signature=signature)


@dataclass(frozen=True)
class Result:
    ok: bool
    failure: str | None = None  # one of the failure codes above
    content: dict | None = None  # what was signed, once the signature holds

    @property
    def reason(self) -> str:
        return REASONS.get(self.failure or "", "")


def check(data: bytes, public_key: Ed25519PublicKey) -> Result:
    """Whether `data` is a certificate signed by `public_key` and unchanged since."""
    signed = split(data)
    if signed is None:
        return Result(False, NOT_SIGNED)
    try:
        public_key.verify(signed.signature, signed.payload)
    except InvalidSignature:
        return Result(False, SIGNATURE_INVALID)
    try:
        content = json.loads(signed.payload)
    except ValueError:
        return Result(False, SIGNATURE_INVALID)
    if not isinstance(content, dict) or content.get("format") != FORMAT or content.get("key_id") != key_id(public_key):
        return Result(False, SIGNATURE_INVALID)
    if hashlib.sha256(signed.body).hexdigest() != content.get("pdf_sha256"):
        return Result(False, DOCUMENT_CHANGED, content)
    return Result(True, None, content)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def main(argv: list[str] | None = None) -> int:
    """Command line: exit 0 when valid, 1 when not (with a one-line reason), 2 on a usage error."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m services.certificates.verify CERTIFICATE.pdf PUBLIC_KEY.pem", file=sys.stderr)
        return 2
    try:
        with open(argv[0], "rb") as f:
            data = f.read()
        with open(argv[1], "rb") as f:
            public_key = load_public_key(f.read())
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = check(data, public_key)
    if not result.ok:
        print(f"INVALID: {result.reason}")
        return 1
    content = result.content or {}
    print(
        f"VALID: certificate {content.get('code')} issued on {content.get('issued_at')} "
        f"by {content.get('department', {}).get('name_fr')} (key {content.get('key_id')}); "
        "revocation is shown only online, on the commune's verification page"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

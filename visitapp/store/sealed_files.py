"""Stored files (photos, report copies, feedback PDFs) encrypted on disk with AES-256-GCM.

Each file has its own random key, wrapped by the files key (derived from the data key),
so one file's key opens nothing else. The file's SHA-256, which is still that of the
plain content (sync and dedupe compare it), is bound in as associated data: a sealed file
moved under another name fails to open rather than showing the wrong photo.

    MAGIC (4) | key nonce (12) | wrapped file key (32 + 16) | nonce (12) | ciphertext + tag
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from visitapp.errors import StoreError

MAGIC = b"VAS1"
_HEADER = len(MAGIC) + 12 + 48 + 12


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC) and len(data) >= _HEADER + 16


def seal(plain: bytes, files_key: bytes, sha256: str) -> bytes:
    aad = MAGIC + sha256.encode("ascii")
    file_key = AESGCM.generate_key(bit_length=256)
    key_nonce, nonce = secrets.token_bytes(12), secrets.token_bytes(12)
    wrapped = AESGCM(files_key).encrypt(key_nonce, file_key, aad)
    return MAGIC + key_nonce + wrapped + nonce + AESGCM(file_key).encrypt(nonce, plain, aad)


def unseal(data: bytes, files_key: bytes, sha256: str) -> bytes:
    if not is_sealed(data):
        raise StoreError(f"file {sha256[:12]} on this tablet is not an encrypted file")
    aad = MAGIC + sha256.encode("ascii")
    at = len(MAGIC)
    key_nonce, wrapped = data[at:at + 12], data[at + 12:at + 60]
    nonce, body = data[at + 60:_HEADER], data[_HEADER:]
    try:
        file_key = AESGCM(files_key).decrypt(key_nonce, wrapped, aad)
        return AESGCM(file_key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise StoreError(f"file {sha256[:12]} on this tablet is damaged or not this "
                         "tablet's: it cannot be opened") from None

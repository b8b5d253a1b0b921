"""The tablet's data key: random, kept on disk only wrapped by a key derived from the PIN.

    PIN --Argon2id(salt)--> wrapping key --AES-256-GCM--> data key (32 random bytes)
    data key --HKDF "sqlcipher"--> the database key (SQLCipher raw key)
    data key --HKDF "files"-----> the key that wraps each stored file's own key

The wrapped key lives in a small JSON file beside the database (`tablet.db.key`, mode
0600): the database cannot hold the key that unlocks it. Changing the PIN rewraps the
same data key, so nothing is re-encrypted. The file also keeps the count of wrong PINs in
a row and when the last one was, so the waits (visitapp.domain.pin_policy) survive a
restart. A try is counted *before* the PIN is checked and cleared after, so killing the
app mid-check does not win a free try.

This protects a lost tablet from someone using the app (the waits) and a copied disk
from anyone without the PIN; a six-digit PIN is still only a million candidates for
someone with the disk and time (Argon2id makes each cost ~0.3 s and 64 MiB). A device
build should wrap the data key with the platform keystore instead (README "Security").
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from visitapp.domain.pin_policy import FREE_TRIES, check_pin_format, seconds_to_wait, wait_after
from visitapp.errors import PinLockedOut, StoreError, WrongPin

FORMAT = "visitapp-key-1"
KEY_SUFFIX = ".key"
_WRAP_AAD = b"visitapp data key v1"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default is RFC 9106's second choice (64 MiB, 3 passes)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 1


DEFAULT_KDF = KdfParams()


class DataKey:
    """The unwrapped data key, and the two keys derived from it."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise ValueError("a data key is 32 bytes")
        self._raw = raw

    def __repr__(self) -> str:  # never print key material
        return "DataKey(...)"

    def _derive(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"visitapp " + purpose).derive(self._raw)

    @property
    def database_key(self) -> bytes:
        return self._derive(b"sqlcipher v1")

    @property
    def files_key(self) -> bytes:
        return self._derive(b"files v1")


@dataclass(frozen=True)
class KeyFile:
    kdf: KdfParams
    salt: bytes
    wrapped: bytes  # nonce (12) + AES-GCM of the data key
    failures: int = 0
    last_failure_at: float | None = None
    upgrading: bool = False  # a plain database (and files) is being encrypted in place


def key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + KEY_SUFFIX)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def read_key_file(path: Path) -> KeyFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT}")
        return KeyFile(kdf=KdfParams(**data["kdf"]), salt=base64.b64decode(data["salt"]),
                       wrapped=base64.b64decode(data["wrapped"]),
                       failures=int(data.get("failures", 0)),
                       last_failure_at=data.get("last_failure_at"),
                       upgrading=bool(data.get("upgrading", False)))
    except FileNotFoundError:
        raise StoreError(f"the key file {path} is missing: the data cannot be opened") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise StoreError(f"the key file {path} is damaged ({err}): the data cannot be "
                         "opened") from None


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Atomically, readable by the owner only, fsynced (file and folder)."""
    data = {"format": FORMAT, "kdf": asdict(key_file.kdf), "salt": _b64(key_file.salt),
            "wrapped": _b64(key_file.wrapped), "failures": key_file.failures,
            "last_failure_at": key_file.last_failure_at, "upgrading": key_file.upgrading}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wrapping_key(pin: str, salt: bytes, kdf: KdfParams) -> bytes:
    return hash_secret_raw(pin.encode("ascii"), salt, time_cost=kdf.time_cost,
                           memory_cost=kdf.memory_kib, parallelism=kdf.parallelism,
                           hash_len=32, type=Type.ID)


def _wrap(raw: bytes, pin: str, kdf: KdfParams) -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    return salt, nonce + AESGCM(_wrapping_key(pin, salt, kdf)).encrypt(nonce, raw, _WRAP_AAD)


def create_key(path: Path, pin: str, *, kdf: KdfParams = DEFAULT_KDF,
               upgrading: bool = False) -> DataKey:
    """A new random data key wrapped by `pin`, written to `path` (refused if it exists)."""
    check_pin_format(pin)
    if path.exists():
        raise StoreError(f"{path} already exists: this tablet's data already has a key")
    raw = secrets.token_bytes(32)
    salt, wrapped = _wrap(raw, pin, kdf)
    write_key_file(path, KeyFile(kdf=kdf, salt=salt, wrapped=wrapped, upgrading=upgrading))
    return DataKey(raw)


def unlock(path: Path, pin: str, *, now: float) -> DataKey:
    """The data key, if `pin` is right and no wait is due; the try is counted either way.

    Raises `PinLockedOut` (nothing tried, nothing counted) while a wait runs, `BadPin`
    for a malformed PIN (not counted: it cannot be right), `WrongPin` otherwise.
    """
    key_file = read_key_file(path)
    wait = seconds_to_wait(key_file.failures, key_file.last_failure_at, now)
    if wait > 0:
        raise PinLockedOut(wait)
    check_pin_format(pin)
    counted = replace(key_file, failures=key_file.failures + 1, last_failure_at=now)
    write_key_file(path, counted)
    try:
        nonce, sealed = key_file.wrapped[:12], key_file.wrapped[12:]
        raw = AESGCM(_wrapping_key(pin, key_file.salt, key_file.kdf)).decrypt(
            nonce, sealed, _WRAP_AAD)
    except InvalidTag:
        raise _wrong(counted.failures) from None
    write_key_file(path, replace(key_file, failures=0, last_failure_at=None))
    return DataKey(raw)


def _wrong(failures: int) -> WrongPin:
    wait = wait_after(failures)
    if wait:
        return WrongPin(f"wrong PIN: the next try must wait {int(wait)} seconds", wait)
    left = FREE_TRIES - failures
    if left:
        return WrongPin(f"wrong PIN ({left} more tr{'y' if left == 1 else 'ies'} before "
                        "each further one must wait)")
    return WrongPin("wrong PIN")


def change_pin(path: Path, old_pin: str, new_pin: str, *, now: float,
               kdf: KdfParams = DEFAULT_KDF) -> None:
    """Rewrap the same data key under `new_pin` (nothing is re-encrypted)."""
    check_pin_format(new_pin)
    data_key = unlock(path, old_pin, now=now)
    salt, wrapped = _wrap(data_key._raw, new_pin, kdf)
    current = read_key_file(path)
    write_key_file(path, replace(current, kdf=kdf, salt=salt, wrapped=wrapped))


def finish_upgrade(path: Path) -> None:
    write_key_file(path, replace(read_key_file(path), upgrading=False))

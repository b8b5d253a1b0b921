"""Open the tablet's data with a PIN: unlock the key, encrypt a plain tablet in place.

    open_database(path, pin, now=...)  -> Database (SQLCipher), its files key attached

A first start makes a new random data key wrapped by the PIN it is given. A tablet from
before encryption (a plain SQLite file, plain photo and PDF files) is encrypted in place
on its first start with a PIN, in steps that can each be cut by a crash and simply run
again on the next start (the key file says `upgrading` until all are done):

1. the key file is written first (so nothing is ever encrypted under a key not on disk);
2. an encrypted copy of the database is written beside it (`sqlcipher_export`, which
   reads through SQLite, so ops still in the WAL come too), fsynced, then swapped in with
   one rename: before it the plain database is whole, after it the encrypted one is;
3. each stored file is replaced by its sealed form (write, fsync, rename), one by one;
4. the key file's `upgrading` mark is cleared.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3

from visitapp.domain.hlc import Clock
from visitapp.domain.pin_policy import check_pin_format
from visitapp.errors import StoreError
from visitapp.store import keys, sealed_files
from visitapp.store.db import Database, is_plain_sqlite
from visitapp.store.keys import DEFAULT_KDF, DataKey, KdfParams


def open_database(path: Path | str, pin: str, *, now: Callable[[], float],
                  kdf: KdfParams = DEFAULT_KDF, clock: Clock | None = None) -> Database:
    """The tablet's database, unlocked by `pin`; `now()` is the wall clock (epoch seconds)
    that times the waits after wrong PINs. `kdf` is the cost a *new* key is made with."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _setting_up(path):
        data_key = _unlock_or_create(path, pin, now=now, kdf=kdf)
    _make_private(path)
    return Database(path, clock=clock, key=data_key.database_key,
                    files_key=data_key.files_key)


@contextmanager
def _setting_up(path: Path) -> Iterator[None]:
    """One process at a time makes a tablet's key or encrypts it in place (the app and a
    CLI command started together must not make two keys, or export over each other)."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _unlock_or_create(path: Path, pin: str, *, now: Callable[[], float],
                      kdf: KdfParams) -> DataKey:
    key_file = keys.key_path(path)
    plain = is_plain_sqlite(path)
    if key_file.exists():
        data_key = keys.unlock(key_file, pin, now=now())
        if keys.read_key_file(key_file).upgrading or plain:
            _encrypt_in_place(path, data_key)
            keys.finish_upgrade(key_file)
    else:
        if path.exists() and path.stat().st_size > 0 and not plain:
            raise StoreError(f"{path} is not a usable visit database: it is not plain SQLite "
                             f"and its key file {key_file.name} is missing (without it an "
                             "encrypted tablet's data cannot be opened)")
        check_pin_format(pin)
        data_key = keys.create_key(key_file, pin, kdf=kdf, upgrading=plain)
        if plain:
            _encrypt_in_place(path, data_key)
            keys.finish_upgrade(key_file)
    return data_key


def blob_dir_of(path: Path) -> Path:
    return path.parent / (path.stem + "-files")  # as Database.blob_dir


def _make_private(path: Path) -> None:
    """Owner-only modes: the files folder (and its subfolders) 0700, every file 0600."""
    folder = blob_dir_of(path)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    for sub in folder.iterdir():
        if sub.is_dir():
            os.chmod(sub, 0o700)


def _encrypt_in_place(path: Path, data_key: DataKey) -> None:
    if is_plain_sqlite(path):
        _encrypt_database(path, data_key.database_key)
    _seal_files(blob_dir_of(path), data_key.files_key)


def _encrypt_database(path: Path, key: bytes) -> None:
    copy = path.with_name(path.name + ".encrypting")
    for stale in (copy, copy.with_name(copy.name + "-journal")):
        stale.unlink(missing_ok=True)  # from an upgrade cut short: made again below
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    conn = sqlcipher3.connect(str(path), isolation_level=None)  # no key: reads plain SQLite
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("ATTACH DATABASE ? AS sealed KEY ?", (str(copy), f"x'{key.hex()}'"))
        conn.execute("SELECT sqlcipher_export('sealed')")
        conn.execute(f"PRAGMA sealed.user_version = {int(version)}")
        conn.execute("DETACH DATABASE sealed")
        # Everything is in the main file now, so the plain WAL holds nothing needed.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlcipher3.DatabaseError as err:
        raise StoreError(f"cannot encrypt {path}: {err}") from err
    finally:
        conn.close()
    with open(copy, "rb+") as fh:
        os.fsync(fh.fileno())
    # A plain WAL left beside the encrypted file would be read as its WAL: remove it first
    # (it is empty after the checkpoint; the plain main file is still whole until the swap).
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(copy, path)
    keys.fsync_dir(path.parent)


def _seal_files(folder: Path, files_key: bytes) -> None:
    if not folder.is_dir():
        return
    for file in sorted(folder.glob("??/*")):
        name = file.name
        if not file.is_file() or len(name) != 64 or name.startswith("."):
            continue
        data = file.read_bytes()
        if sealed_files.is_sealed(data):
            continue
        sealed = sealed_files.seal(data, files_key, name)
        tmp = file.with_name(f".part-{name}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
    for sub in folder.iterdir():
        if sub.is_dir():
            keys.fsync_dir(sub)

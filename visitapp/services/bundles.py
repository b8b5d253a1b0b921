"""Visit bundles: hand a visit to another tablet by file when there is no network.

A bundle is a zip with exactly these members:

    manifest.json     format name and version, visit id, exporting device, created time,
                      counts, the SHA-256 and size of every other member, and the public
                      keys of the tablets whose signed ops it holds (`keys`)
    ops.jsonl         every op of the visit (`OpRecord.as_dict`, one per line) in
                      (hlc, device_id) order; checklist content travels as form ops
    blobs/<sha256>    the photo files (clean copy and report copy) of the visit's photos
                      that are on the exporting tablet

Import checks everything before it writes anything: that the file is a zip holding only
the expected names (no paths to climb out with, nothing else), within size limits (no zip
bombs), that the manifest is one this version reads, that every member matches its
checksum and size, that every op is well formed (the one op schema, `visitapp.domain.op_schema`,
as sync uses it) and belongs to the manifest's visit, and that every signed op is
genuine (its signature checks against its tablet's key: a checksum is not a signature, so
an op edited with its checksum recomputed is refused; see visitapp.store.op_keys). An op
made by the programme office, on a tablet not enrolled with it, is set aside.
Any problem refuses the whole bundle with a `BadBundle` naming the file and the problem.
Then the files are stored (idempotently, before the ops that reference them, as when a
photo is attached) and all ops are merged in one transaction by op id: importing the same
bundle again changes nothing.

Photos deleted on the exporting tablet are not put in the bundle: a photo is usually
deleted because it should not have been taken, and it should not travel.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from visitapp.domain import signing
from visitapp.domain.op_schema import op_problem
from visitapp.errors import BadBundle, NotFound, StoreError, UserError
from visitapp.services.app import Services
from visitapp.store import op_keys, oplog
from visitapp.store.blob_refs import referenced_blobs
from visitapp.store.db import utc_now
from visitapp.store.oplog import FORM_ENTITY, OP_COLUMNS, OpRecord
from visitapp.store.outbox import apply_guarded

FORMAT = "visitapp-visit-bundle"
VERSION = 1

MANIFEST = "manifest.json"
OPS = "ops.jsonl"
BLOB_PREFIX = "blobs/"
_BLOB_NAME = re.compile(r"^blobs/([0-9a-f]{64})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

# Limits against zip bombs and nonsense; module constants so tests can lower them.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_OPS_BYTES = 512 * 1024 * 1024
MAX_BLOB_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
MAX_MEMBERS = 200_000
MAX_ID = 200

_CHUNK = 1024 * 1024


# --- export ----------------------------------------------------------------------------

def export_visit(services: Services, visit_id: str, output: Path) -> str:
    """Write the bundle of a visit to `output`, atomically; returns a short summary."""
    output = Path(output)
    db = services.db
    with db.read() as conn:
        services.visits.require_visit(conn, visit_id)
        ops = oplog.ops_for_visit(conn, visit_id)
        keys = op_keys.keys_for(conn, (op.device_id for op in ops if op.sig))
        shas = sorted(referenced_blobs(conn, visit_id))
        content_types = {
            sha: ctype for sha, ctype in conn.execute(
                "SELECT sha256, content_type FROM blobs WHERE sha256 IN "
                f"({', '.join('?' * len(shas))})", shas)
        } if shas else {}

    ops_bytes = "".join(
        json.dumps(op.as_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        for op in ops
    ).encode("utf-8")
    files: dict[str, dict[str, Any]] = {
        OPS: {"sha256": hashlib.sha256(ops_bytes).hexdigest(), "size": len(ops_bytes)},
    }
    missing = 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                        suffix=".part")
    except OSError as err:
        raise UserError(f"cannot write {output}: {err.strerror or err}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_member(OPS, zipfile.ZIP_DEFLATED), ops_bytes)
                for sha in shas:
                    data = _read_blob(services, sha)
                    if data is None:
                        missing += 1
                        continue
                    name = BLOB_PREFIX + sha
                    # Photos are JPEG or PNG already: compressing again gains nothing.
                    zf.writestr(_member(name, zipfile.ZIP_STORED), data)
                    files[name] = {"sha256": sha, "size": len(data),
                                   "content_type": content_types.get(sha)
                                   or "application/octet-stream"}
                blob_count = len(files) - 1
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "visit_id": visit_id,
                    "device_id": db.device_id,
                    "created_at": utc_now(),
                    "counts": {"ops": len(ops), "blobs": blob_count,
                               "forms": sum(1 for op in ops if op.entity == FORM_ENTITY),
                               "blobs_not_on_tablet": missing},
                    "files": files,
                    "keys": keys,
                }
                zf.writestr(_member(MANIFEST, zipfile.ZIP_DEFLATED),
                            json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, output)
        _fsync_dir(output.parent)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {output}: {err.strerror or err}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    summary = f"visit {visit_id[:8]}: {_plural(len(ops), 'change')}, {_plural(blob_count, 'file')}"
    if missing:
        summary += f" ({_plural(missing, 'photo file')} not on this tablet, left out)"
    return summary


def _member(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def _read_blob(services: Services, sha: str) -> bytes | None:
    """A blob's bytes, or None when it is not here (or damaged: its bytes do not match)."""
    try:
        data = services.blobs.read(sha)  # the plain bytes: stored files are sealed
    except (NotFound, StoreError):
        return None
    if hashlib.sha256(data).hexdigest() != sha:
        return None
    return data


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- import ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checked:
    """A bundle that passed every check, ready to store."""

    visit_id: str
    ops: list[OpRecord]
    blobs: dict[str, str]  # member name -> content type
    keys: dict[str, str]  # device id -> public key, for its signed ops


def import_visit(services: Services, bundle: Path) -> str:
    """Check a bundle whole, then merge it; returns a short summary. Idempotent."""
    bundle = Path(bundle)
    name = str(bundle)
    db = services.db
    with _open_zip(bundle, name) as zf:
        checked = _check(zf, name)
        with db.read() as conn:
            _check_not_elsewhere(conn, name, checked)
            _check_genuine(conn, name, checked)
        new_files = _store_blobs(services, zf, name, checked)
    with db.write() as conn:
        counts = apply_guarded(db, conn, [op.as_dict() for op in checked.ops], [],
                               source="bundle", keys=checked.keys)
    applied, duplicate = counts["applied"], counts["duplicate"]
    summary = (f"visit {checked.visit_id[:8]}: {_plural(applied, 'new change')}, "
               f"{duplicate} already here")
    if new_files:
        summary += f"; {_plural(new_files, 'new file')}"
    if counts["quarantined"]:
        summary += (f"; {_plural(counts['quarantined'], 'change')} set aside (they clash "
                    "with changes already on this tablet, or were made by the programme "
                    "office and this tablet is not enrolled with it)")
    if not applied and not new_files:
        summary += "; nothing changed"
    return summary


def _open_zip(bundle: Path, name: str) -> zipfile.ZipFile:
    try:
        size = bundle.stat().st_size
    except FileNotFoundError:
        raise BadBundle(f"{name}: no such file") from None
    except OSError as err:
        raise BadBundle(f"{name}: cannot read it ({err.strerror or err})") from None
    if bundle.is_dir():
        raise BadBundle(f"{name}: is a folder, not a visit bundle")
    if size > MAX_TOTAL_BYTES:
        raise BadBundle(f"{name}: too large for a visit bundle ({size} bytes)")
    try:
        return zipfile.ZipFile(bundle)
    except zipfile.BadZipFile:
        raise BadBundle(f"{name}: not a visit bundle (not a zip file, or truncated)") from None
    except OSError as err:
        raise BadBundle(f"{name}: cannot read it ({err.strerror or err})") from None
    except Exception as err:  # a damaged central directory can fail in many ways
        raise BadBundle(f"{name}: damaged zip ({_one_line(err)})") from None


def _check(zf: zipfile.ZipFile, name: str) -> _Checked:
    """Every check, with no side effect; raises BadBundle on the first problem."""
    try:
        return _check_members(zf, name)
    except BadBundle:
        raise
    except Exception as err:  # corrupt compressed data: zlib.error, CRC, EOF, ...
        raise BadBundle(f"{name}: damaged ({_one_line(err)})") from None


def _check_members(zf: zipfile.ZipFile, name: str) -> _Checked:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise BadBundle(f"{name}: too many files in the bundle ({len(infos)})")
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        member = info.filename
        if member in by_name:
            raise BadBundle(f"{name}: {_show(member)} appears twice")
        if member not in (MANIFEST, OPS) and not _BLOB_NAME.match(member):
            raise BadBundle(f"{name}: unexpected file {_show(member)} in the bundle")
        if info.flag_bits & 0x1:
            raise BadBundle(f"{name}: {member} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BadBundle(f"{name}: {member} uses an unsupported compression")
        limit = _limit(member)
        if info.file_size > limit:
            raise BadBundle(f"{name}: {member} is too large ({info.file_size} bytes, "
                            f"limit {limit})")
        total += info.file_size
        by_name[member] = info
    if total > MAX_TOTAL_BYTES:
        raise BadBundle(f"{name}: the bundle unpacks to too much ({total} bytes)")
    if MANIFEST not in by_name:
        raise BadBundle(f"{name}: not a visit bundle (no {MANIFEST})")

    manifest = _parse_manifest(name, _read(zf, by_name[MANIFEST], name))
    files: dict[str, dict[str, Any]] = manifest["files"]
    for member in sorted(files):
        if member not in by_name:
            raise BadBundle(f"{name}: {member} is listed in the manifest but missing")
    for member in sorted(by_name):
        if member != MANIFEST and member not in files:
            raise BadBundle(f"{name}: {member} is not listed in the manifest")

    blobs: dict[str, str] = {}
    for member, entry in files.items():
        info = by_name[member]
        if info.file_size != entry["size"]:
            raise BadBundle(f"{name}: {member} is {info.file_size} bytes, the manifest says "
                            f"{entry['size']}")
        blob = _BLOB_NAME.match(member)
        if blob:
            if entry["sha256"] != blob.group(1):
                raise BadBundle(f"{name}: {member}: manifest checksum does not match its name")
            sha, size = _digest(zf, info, name)
            _compare(name, member, entry, sha, size)
            blobs[member] = entry.get("content_type") or "application/octet-stream"

    ops_data = _read(zf, by_name[OPS], name)
    _compare(name, OPS, files[OPS], hashlib.sha256(ops_data).hexdigest(), len(ops_data))
    visit_id = manifest["visit_id"]
    ops = _parse_ops(name, ops_data, visit_id)
    counts = manifest["counts"]
    if counts["ops"] != len(ops):
        raise BadBundle(f"{name}: {OPS} has {len(ops)} changes, the manifest says "
                        f"{counts['ops']}")
    if counts["blobs"] != len(blobs):
        raise BadBundle(f"{name}: the bundle has {len(blobs)} files, the manifest says "
                        f"{counts['blobs']}")
    return _Checked(visit_id=visit_id, ops=ops, blobs=blobs, keys=manifest["keys"])


def _limit(member: str) -> int:
    if member == MANIFEST:
        return MAX_MANIFEST_BYTES
    if member == OPS:
        return MAX_OPS_BYTES
    return MAX_BLOB_BYTES


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """A member's bytes, never more than its declared size (zipfile checks the CRC)."""
    remaining = info.file_size
    try:
        with zf.open(info) as fh:
            while remaining > 0:
                chunk = fh.read(min(_CHUNK, remaining))
                if not chunk:
                    raise BadBundle(f"{name}: {info.filename} is truncated")
                remaining -= len(chunk)
                yield chunk
            _expect_end(fh, name, info.filename)
    except BadBundle:
        raise
    except Exception as err:  # zlib.error, Bad CRC-32, EOFError, a bad local header, ...
        detail = re.sub(r" for file '.*'$", "", _one_line(err))
        raise BadBundle(f"{name}: {info.filename} is damaged ({detail})") from None


def _expect_end(fh: IO[bytes], name: str, member: str) -> None:
    if fh.read(1):
        raise BadBundle(f"{name}: {member} is longer than the zip says")


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    return b"".join(_chunks(zf, info, name))


def _digest(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    for chunk in _chunks(zf, info, name):
        h.update(chunk)
        size += len(chunk)
    return h.hexdigest(), size


def _compare(name: str, member: str, entry: dict[str, Any], sha: str, size: int) -> None:
    if size != entry["size"]:
        raise BadBundle(f"{name}: {member} is {size} bytes, the manifest says {entry['size']}")
    if sha != entry["sha256"]:
        raise BadBundle(f"{name}: {member} does not match its checksum in the manifest "
                        "(damaged or altered)")


def _parse_manifest(name: str, data: bytes) -> dict[str, Any]:
    def bad(what: str) -> BadBundle:
        return BadBundle(f"{name}: {MANIFEST}: {what}")

    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise bad(f"not valid JSON ({_one_line(err)})") from None
    if not isinstance(manifest, dict):
        raise bad("not a JSON object")
    if manifest.get("format") != FORMAT:
        raise bad(f"format is {_show(manifest.get('format'))}, expected {FORMAT!r}")
    version = manifest.get("version")
    if type(version) is not int:
        raise bad("version is missing or not a whole number")
    if version != VERSION:
        newer = " (made by a newer visitapp: update this one)" if version > VERSION else ""
        raise bad(f"bundle version {version}, this app reads version {VERSION}{newer}")
    for key in ("visit_id", "device_id", "created_at"):
        if not _is_id(manifest.get(key)):
            raise bad(f"{key} is missing or not an id")
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or any(
            type(counts.get(k)) is not int or counts[k] < 0 for k in ("ops", "blobs")):
        raise bad("counts are missing or not whole numbers")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise bad("files is missing or not an object")
    if OPS not in files:
        raise bad(f"{OPS} is not listed")
    for member, entry in files.items():
        if member != OPS and not _BLOB_NAME.match(member):
            raise bad(f"lists an unexpected file {_show(member)}")
        if not isinstance(entry, dict):
            raise bad(f"the entry for {member} is not an object")
        if not isinstance(entry.get("sha256"), str) or not _SHA256.match(entry["sha256"]):
            raise bad(f"the checksum of {member} is missing or not a SHA-256")
        if type(entry.get("size")) is not int or entry["size"] < 0:
            raise bad(f"the size of {member} is missing or not a whole number")
        ctype = entry.get("content_type")
        if ctype is not None and not (isinstance(ctype, str) and 0 < len(ctype) <= 100):
            raise bad(f"the content type of {member} is not text")
    keys = manifest.setdefault("keys", {})  # a bundle from before signing has none
    if not isinstance(keys, dict) or len(keys) > MAX_KEYS or not all(
            _is_id(k) and isinstance(v, str) and len(v) <= 64 for k, v in keys.items()):
        raise bad(f"keys is not an object of at most {MAX_KEYS} device ids and public keys")
    return manifest


MAX_KEYS = 10_000


def _check_genuine(conn: Any, name: str, checked: _Checked) -> None:
    """Every signed op checks against its tablet's key (from the bundle or already here);
    an office-made op on a tablet not enrolled with it is set aside at import instead."""
    known = {**op_keys.keys_for(conn, (op.device_id for op in checked.ops)),
             **{d: k for d, k in checked.keys.items()
                if signing.public_key_problem(k) is None and signing.device_id_for(k) == d}}
    problems = op_keys.received_problems([op.as_dict() for op in checked.ops], known,
                                         op_keys.office_key(conn))
    for number, problem in enumerate(problems, start=1):
        if problem and problem != op_keys.NOT_ENROLLED:
            raise BadBundle(f"{name}: {OPS} line {number}: {problem}; nothing was imported")


def _parse_ops(name: str, data: bytes, visit_id: str) -> list[OpRecord]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadBundle(f"{name}: {OPS}: not UTF-8 text ({err.reason} at byte {err.start})") \
            from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    ops: list[OpRecord] = []
    seen: set[str] = set()
    forms: set[str] = set()
    area_forms: list[tuple[int, str]] = []
    expected = set(OP_COLUMNS)
    for number, line in enumerate(lines, start=1):
        def bad(what: str, number: int = number) -> BadBundle:
            return BadBundle(f"{name}: {OPS} line {number}: {what}")

        try:
            raw = json.loads(line)
        except ValueError as err:
            raise bad(f"not a JSON object ({_one_line(err)})") from None
        if not isinstance(raw, dict):
            raise bad("not a JSON object")
        keys = set(raw)
        raw.setdefault("sig", None)  # a bundle made before ops were signed: legacy ops
        keys.add("sig")
        if keys != expected:
            missing, extra = sorted(expected - keys), sorted(keys - expected)
            what = []
            if missing:
                what.append(f"missing {', '.join(missing)}")
            if extra:
                what.append(f"unexpected {', '.join(_show(k) for k in extra)}")
            raise bad("; ".join(what))
        problem = op_problem(raw)  # the one op schema, as the office and sync use it
        if problem:
            raise bad(problem)
        if raw["visit_id"] != visit_id:
            raise bad(f"a change to visit {raw['visit_id'][:36]}, but the bundle is for visit "
                      f"{visit_id}")
        if raw["op_id"] in seen:
            raise bad(f"op {raw['op_id'][:36]} appears twice")
        seen.add(raw["op_id"])
        if raw["entity"] == FORM_ENTITY:
            forms.add(raw["entity_id"])
        elif raw["entity"] == "area" and raw["field"] == "form_hash":
            form_hash = json.loads(raw["value"])
            if form_hash is not None:
                area_forms.append((number, form_hash))
        ops.append(OpRecord.from_dict(raw))
    for number, form_hash in area_forms:
        if form_hash not in forms:
            raise BadBundle(f"{name}: {OPS} line {number}: an area uses form "
                            f"{form_hash[:12]}, which is not in the bundle")
    return ops


def _check_not_elsewhere(conn: Any, name: str, checked: _Checked) -> None:
    """Findings and photos are keyed by id alone: refuse ids another visit already uses."""
    for entity in ("finding", "attachment"):
        table = oplog.ENTITIES[entity].table
        ids = sorted({op.entity_id for op in checked.ops if op.entity == entity})
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            row = conn.execute(
                f"SELECT id, visit_id FROM {table} WHERE visit_id != ? AND id IN "
                f"({', '.join('?' * len(batch))}) LIMIT 1", [checked.visit_id, *batch]).fetchone()
            if row is not None:
                raise BadBundle(f"{name}: {OPS}: {entity} {row[0][:36]} belongs to another "
                                f"visit ({row[1][:36]}) on this tablet")


def _store_blobs(services: Services, zf: zipfile.ZipFile, name: str, checked: _Checked) -> int:
    """Store every file (idempotent); returns how many were new on this tablet."""
    new = 0
    for member, content_type in sorted(checked.blobs.items()):
        sha = member.removeprefix(BLOB_PREFIX)
        if not services.blobs.has(sha):
            new += 1
        try:
            data = _read(zf, zf.getinfo(member), name)
        except BadBundle:
            raise
        except Exception as err:
            raise BadBundle(f"{name}: {member}: damaged ({_one_line(err)})") from None
        if hashlib.sha256(data).hexdigest() != sha:  # the file changed under us
            raise BadBundle(f"{name}: {member} changed while it was being imported")
        services.blobs.put(data, content_type)
    return new


# --- words -----------------------------------------------------------------------------

def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return " ".join(text.split())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"

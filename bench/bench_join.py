"""Join benchmark (not a test): `.venv/bin/python bench/bench_join.py [--visits N] [--keep]`.

A fresh tablet joins a team of N finished visits (default 1,000: demo-sized, 523 ops
each, every visit with its own distinct photos) and fetches one of them, against
`visitapp-office serve` on SQLite in its own process over loopback HTTP. Baseline, in the
same run: a fresh tablet of a team whose only visit is the same visit in progress, pulled
whole by one sync. Prints the times, the ratio (target <= 2x) and the joined tablet's
database size (target < 20 MB). Exit code 1 when a target fails.

The team is generated straight into the office's database through the office's own push
code (`store.push`, the same path as HTTP without the transport), which is not timed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sync.server import keys, store  # noqa: E402
from sync.server.db import open_database  # noqa: E402
from sync.server.office_key import office_key  # noqa: E402
from tests.office_process import start_office  # noqa: E402
from visitapp.domain import hlc, signing  # noqa: E402
from visitapp.services.app import open_services  # noqa: E402
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit  # noqa: E402
from visitapp.services.sync import sync_engine  # noqa: E402
from visitapp.store import oplog  # noqa: E402

REPEATS = 3
BATCH = 5_000


def tablet(tmp: Path, name: str):  # type: ignore[no-untyped-def]
    return open_services(tmp / name / "tablet.db", pin="135790")


def http_for(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                        timeout=120)


def distinct(jpeg: bytes, mark: str) -> bytes:
    """The same picture as a different file: a JPEG comment (COM segment) after SOI."""
    text = f"bench copy {mark}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


class Seed:
    """A demo visit's ops and files, copied with fresh ids and distinct files."""

    def __init__(self, tmp: Path) -> None:
        demo = tablet(tmp, "demo")
        self.visit = create_demo_visit(demo, EXAMPLE_DATE)
        with demo.db.read() as conn:
            rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops ORDER BY rowid"
                                ).fetchall()
            types = dict(conn.execute("SELECT sha256, content_type FROM blobs").fetchall())
        self.ops = [oplog.OpRecord.from_row(r).as_dict() for r in rows]
        self.files = {sha: (demo.blobs.read(sha), types[sha]) for sha in types}
        self.hlc = max(op["hlc"] for op in self.ops)
        demo.close()

    def copy(self, device: str, first_seq: int, mark: str, *, finished: bool,
             ) -> tuple[str, list[dict], dict[str, tuple[bytes, str]]]:
        """(visit id, ops, files by sha) of one copy; `finished` adds the closing op."""
        import hashlib
        import json

        vid = str(uuid.uuid4())
        ids = {op["op_id"]: str(uuid.uuid4()) for op in self.ops}
        files, renamed = {}, {}
        for sha, (data, content_type) in self.files.items():
            new = distinct(data, f"{mark}/{sha[:8]}")
            renamed[sha] = hashlib.sha256(new).hexdigest()
            files[renamed[sha]] = (new, content_type)
        ops = []
        for i, op in enumerate(self.ops):
            value = op["value"]
            for old, new_sha in renamed.items():
                value = value.replace(old, new_sha)
            ops.append({**op, "op_id": ids[op["op_id"]], "visit_id": vid, "device_id": device,
                        "seq": first_seq + i,
                        "entity_id": vid if op["entity"] == "visit" else op["entity_id"],
                        "value": value, "prev_op_id": ids.get(op["prev_op_id"] or "")})
        if finished:
            ops.append({**ops[0], "op_id": str(uuid.uuid4()), "seq": first_seq + len(ops),
                        "hlc": self.hlc + 1, "field": "status",
                        "value": json.dumps("closed"), "prev_op_id": None})
        return vid, ops, files


def generate(engine, seed: Seed, team: str, count: int, *, finished: bool) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` copies of the seed visit pushed into `team` by one generator tablet, with
    a key of its own registered as `visitapp enrol` does, its ops sealed and chained as a
    tablet's are (so the joining tablet checks real signatures)."""
    _, token = store.add_device(engine, team=team, name=f"{team} generator")
    principal = store.authenticate(engine, token)
    private = signing.new_private_key()
    public = signing.public_key_of(private)
    office = office_key(engine, now=store.utc_now())
    keys.register(engine, principal, office, public_key=public,
                  proof=signing.prove(private, signing.registration_statement(
                      principal.id, office.public_key)),
                  legacy_device_ids=[], received=store.utc_now())
    device = signing.device_id_for(public)
    visits, pending, seq = [], [], 1
    before: tuple[str, str | None] | None = None  # the device's last op: (id, seal)
    for k in range(count):
        vid, ops, files = seed.copy(device, seq, f"{team}-{k}", finished=finished)
        seq += len(ops)
        visits.append(vid)
        sealed_ids: dict[str, str] = {}  # a sealed op's id is its content's
        sealed = []
        for op in ops:
            op = {**op, "prev_op_id": sealed_ids.get(op["prev_op_id"] or "", op["prev_op_id"])}
            done = signing.seal(private, op, after=before)
            sealed_ids[op["op_id"]] = done["op_id"]
            before = (done["op_id"], done["sig"])
            sealed.append(done)
        for sha, (data, content_type) in files.items():
            store.put_blob(engine, principal, sha, data, content_type)
        if pending and len(pending) + len(sealed) > BATCH:  # whole visits to a push
            _push(engine, principal, pending, device)
            pending = []
        pending.extend(sealed)
        if (k + 1) % 100 == 0:
            print(f"  generated {k + 1}/{count} visits of {team}", flush=True)
    _push(engine, principal, pending, device)
    return visits


def _push(engine, principal, ops: list[dict], device: str) -> None:  # type: ignore[no-untyped-def]
    results, _ = store.push(engine, principal, ops, hlc.system_ms, device)
    refused = [r for r in results if r["status"] == "rejected"]
    assert not refused, refused[:2]


def db_bytes(services) -> int:  # type: ignore[no-untyped-def]
    path = Path(services.db.path)
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-join-"))
    try:
        return run(tmp, args.visits)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, n_visits: int) -> int:
    url = f"sqlite:///{tmp / 'office.db'}"
    engine = open_database(url)
    seed = Seed(tmp)
    started = time.perf_counter()
    team_visits = generate(engine, seed, "big", n_visits, finished=True)
    # One team per repeat, each with one visit in progress: what a pull of it alone costs.
    solo_visits = [generate(engine, seed, f"solo-{i}", 1, finished=False)[0]
                   for i in range(REPEATS)]
    print(f"generated {n_visits:,} finished visits ({n_visits * (len(seed.ops) + 1):,} ops, "
          f"{n_visits * len(seed.files):,} distinct files) in "
          f"{time.perf_counter() - started:.0f} s")
    tokens = {"big": [store.add_device(engine, team="big", name=f"fresh {i}")[1]
                      for i in range(REPEATS)],
              "solo": [store.add_device(engine, team=f"solo-{i}", name="fresh")[1]
                       for i in range(REPEATS)]}
    engine.dispose()
    target = team_visits[len(team_visits) // 2]
    try:
        base, proc = start_office([sys.executable, "-m", "sync.cli"], url,
                                  stdout=subprocess.DEVNULL)
    except RuntimeError as problem:
        raise SystemExit(str(problem)) from None
    alone, joined, sizes, files = [], [], [], []
    try:
        for i in range(REPEATS):  # interleaved, so both see the same machine
            solo = tablet(tmp, f"solo-{i}")
            with http_for(base, tokens["solo"][i]) as http:
                start = time.perf_counter()
                report = sync_engine(solo.db, solo.blobs, http).sync()
                alone.append(time.perf_counter() - start)
            assert report.complete and {v["id"] for v in solo.visits.list_visits()} == {
                solo_visits[i]}, report
            solo.close()
            fresh = tablet(tmp, f"fresh-{i}")
            with http_for(base, tokens["big"][i]) as http:
                start = time.perf_counter()
                client = sync_engine(fresh.db, fresh.blobs, http)
                first = client.sync()
                fetched = client.fetch(target)
                joined.append(time.perf_counter() - start)
            assert first.complete and fetched.complete, (first, fetched)
            assert [v["id"] for v in fresh.visits.list_visits()] == [target]
            assert fetched.blobs_downloaded == len(seed.files)
            sizes.append(db_bytes(fresh))
            files.append(sum(p.stat().st_size for p in fresh.blobs.root.rglob("*")
                             if p.is_file()))
            with fresh.db.read() as conn:
                held_ops = conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]
            fresh.close()
    finally:
        proc.terminate()
        proc.wait(10)
    t_alone, t_join = statistics.median(alone), statistics.median(joined)
    ratio = t_join / t_alone
    size_mb = max(sizes) / 1_048_576
    ok_time, ok_size = ratio <= 2.0, size_mb < 20
    print(f"pull one visit alone (a team of 1, in progress: {len(seed.ops)} ops, "
          f"{len(seed.files)} files): median {t_alone:.2f} s of {REPEATS}")
    print(f"join a team of {n_visits:,} finished visits and fetch one ({held_ops} ops "
          f"held): median {t_join:.2f} s of {REPEATS}; ratio {ratio:.2f} (target <= 2) "
          f"{'PASS' if ok_time else 'FAIL'}")
    print(f"joined tablet: database {size_mb:.2f} MB (target < 20 MB) "
          f"{'PASS' if ok_size else 'FAIL'}; files {max(files) / 1_048_576:.2f} MB "
          f"(the fetched visit's only)")
    return 0 if ok_time and ok_size else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sync benchmarks (not tests): `.venv/bin/python bench/bench_sync.py [--no-postgres]`.

Prints, for the office on SQLite and on PostgreSQL (a throwaway cluster, as the tests
start one):
- push: 10,000 ops from a tablet over loopback HTTP (`visitapp-office serve` in its own
  process, the real sync engine, 1,000 ops a batch), target >= 20,000 ops/s, with the
  ratio to inserting the same ops through the same store code without HTTP;
- pull: a second tablet pulls those 10,000 ops and applies them, target >= 10,000 ops/s;
- join: a fresh tablet joining a team that has 50 demo-sized visits (ops and photos)
  syncs in <= 5 s;
- signing: the whole run is made twice, in child processes, signed and with
  `VISITAPP_BENCH_UNSIGNED=1` (signing and checking off, tablets and office alike), and
  the signed push and pull times are printed against the unsigned ones, target <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sync.protocol import PROTOCOL_VERSION  # noqa: E402
from sync.server import keys, store  # noqa: E402
from sync.server.db import open_database  # noqa: E402
from sync.server.office_key import office_key  # noqa: E402
from tests.office_process import free_port, start_office  # noqa: E402
from visitapp.domain import hlc, signing  # noqa: E402
from visitapp.services.app import open_services  # noqa: E402
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit  # noqa: E402
from visitapp.services.sync import sync_engine  # noqa: E402
from visitapp.store import op_keys, oplog  # noqa: E402

N_OPS = 10_000
BATCH = 1_000
JOIN_VISITS = 50
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@contextmanager
def postgres():
    root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_user, str(PG_BIN / "initdb"), "-D", str(root / "data"), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True)
    subprocess.run([*as_user, str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-l",
                    str(root / "log"), "-w", "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-m",
                        "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def serve(url: str):
    try:
        base, proc = start_office([sys.executable, "-m", "sync.cli"], url,
                                  stdout=subprocess.DEVNULL)
    except RuntimeError as problem:
        raise SystemExit(str(problem)) from None
    try:
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tablet(tmp: Path, name: str):
    return open_services(tmp / name / "tablet.db", pin="135790")


def http_for(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                        timeout=60)


def register_directly(engine, principal, services) -> None:
    """Register a tablet's key as `visitapp enrol` does, for pushes made without HTTP."""
    office = office_key(engine, now=store.utc_now())
    with services.db.read() as conn:
        _own, private = op_keys.own_identity(conn)
    statement = signing.registration_statement(principal.id, office.public_key)
    keys.register(engine, principal, office, public_key=signing.public_key_of(private),
                  proof=signing.prove(private, statement), legacy_device_ids=[],
                  received=store.utc_now())


def make_ops(services, n: int) -> None:
    vid = str(uuid.uuid4())
    db = services.db
    with db.write() as conn:
        oplog.record(db, conn, visit_id=vid, entity="visit", entity_id=vid,
                     field="created_at", value="2026-11-27T09:00:00Z", author="Bench")
        for i in range(n - 1):
            oplog.record(db, conn, visit_id=vid, entity="answer",
                         entity_id=f"ed-bench/item{i % 500}", field="value",
                         value=["red", "amber", "green"][i % 3], author="Bench")


def clone_visits(services, source, count: int) -> None:
    """`count` copies of a demo visit's ops, with fresh ids, as if made on other tablets."""
    with source.db.read() as conn:
        rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops").fetchall()
    ops = [oplog.OpRecord.from_row(r) for r in rows]
    with services.db.read() as conn:
        _own, private = op_keys.own_identity(conn)
    for k in range(count):
        vid = str(uuid.uuid4())
        ids = {op.op_id: str(uuid.uuid4()) for op in ops}
        # Made on the seed tablet itself: the office takes ops only from known tablets.
        # Signed by it, so their ids are their content's: prev_op_id follows the new ids.
        copies = []
        for i, op in enumerate(ops):
            copy = signing.seal(private, {
                "op_id": ids[op.op_id], "visit_id": vid,
                "device_id": services.db.device_id, "seq": k * len(ops) + i + 1,
                "hlc": op.hlc, "entity": op.entity,
                "entity_id": vid if op.entity == "visit" else op.entity_id,
                "field": op.field, "value": op.value,
                "prev_op_id": ids.get(op.prev_op_id or ""), "author": op.author,
                "confirmed": op.confirmed})
            ids[op.op_id] = copy["op_id"]
            copies.append(oplog.OpRecord.from_dict(copy))
        with services.db.write() as conn:
            oplog.apply_ops(services.db, conn, copies)
            conn.execute("UPDATE device SET next_seq = ?", ((k + 1) * len(ops) + 1,))


def push_and_pull(label: str, url: str, tmp: Path) -> dict[str, float]:
    """Only the push and pull over HTTP (the signing rounds repeat these)."""
    engine = open_database(url)
    _, token = store.add_device(engine, team="bench", name="pusher")
    _, token_b = store.add_device(engine, team="bench", name="puller")
    engine.dispose()
    a = tablet(tmp, f"{label}-qa")
    make_ops(a, N_OPS)
    with serve(url) as (base, _pid):
        with http_for(base, token) as http:
            start = time.perf_counter()
            report = sync_engine(a.db, a.blobs, http, batch_size=BATCH).push()
            pushed = time.perf_counter() - start
        assert report.pushed == N_OPS, (report.pushed, report.rejected[:3])
        b = tablet(tmp, f"{label}-qb")
        with http_for(base, token_b) as http:
            start = time.perf_counter()
            pulled_report = sync_engine(b.db, b.blobs, http, pull_limit=BATCH).pull()
            pulled = time.perf_counter() - start
        assert pulled_report.pulled == N_OPS, pulled_report.pulled
    a.close()
    b.close()
    return {"push_s": pushed, "pull_s": pulled}


def bench_backend(label: str, url: str, direct_url: str, tmp: Path) -> dict[str, float]:
    engine = open_database(url)
    _, token = store.add_device(engine, team="bench", name="pusher")
    _, token_b = store.add_device(engine, team="bench", name="puller")
    a = tablet(tmp, f"{label}-a")
    make_ops(a, N_OPS)
    with a.db.read() as conn:
        rows = conn.execute(f"SELECT {', '.join(oplog.OP_COLUMNS)} FROM ops").fetchall()
    wire = [oplog.OpRecord.from_row(r).as_dict() for r in rows]
    checking(label, wire, tmp, a)

    engine.dispose()
    # Baseline: the same ops through the same store code, no HTTP, into an empty database.
    direct_engine = open_database(direct_url)
    _, base_token = store.add_device(direct_engine, team="bench", name="direct")
    principal = store.authenticate(direct_engine, base_token)
    register_directly(direct_engine, principal, a)
    start = time.perf_counter()
    for i in range(0, len(wire), BATCH):
        store.push(direct_engine, principal, wire[i:i + BATCH], hlc.system_ms,
                   a.db.device_id)
    direct = time.perf_counter() - start
    direct_engine.dispose()

    with serve(url) as (base, pid):
        with http_for(base, token) as http:
            server_cpu, client_cpu = cpu_seconds(pid), time.process_time()
            start = time.perf_counter()
            report = sync_engine(a.db, a.blobs, http,
                                batch_size=BATCH).push()
            pushed = time.perf_counter() - start
            server_cpu = cpu_seconds(pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
        assert report.pushed == N_OPS, (report.pushed, report.rejected[:3])
        b = tablet(tmp, f"{label}-b")
        with http_for(base, token_b) as http:
            start = time.perf_counter()
            pulled_report = sync_engine(b.db, b.blobs, http, pull_limit=BATCH).pull()
            pulled = time.perf_counter() - start
        assert pulled_report.pulled == N_OPS, pulled_report.pulled
        print(f"[{label}] push {N_OPS} ops over HTTP: {N_OPS / pushed:,.0f} ops/s "
              f"(target >= 20,000); without HTTP: {N_OPS / direct:,.0f} ops/s; "
              f"HTTP/direct time ratio {pushed / direct:.2f}; CPU: service {server_cpu:.2f} s, "
              f"tablet {client_cpu:.2f} s")
        c = tablet(tmp, f"{label}-c")  # baseline: apply the same ops with no HTTP
        ops = [oplog.OpRecord.from_row(r) for r in rows]
        start = time.perf_counter()
        for i in range(0, len(ops), BATCH):
            with c.db.write() as conn:
                oplog.apply_ops(c.db, conn, ops[i:i + BATCH])
        applied = time.perf_counter() - start
        c.close()
        print(f"[{label}] pull + apply {N_OPS} ops: {N_OPS / pulled:,.0f} ops/s "
              f"(target >= 10,000); apply alone: {N_OPS / applied:,.0f} ops/s; "
              f"ratio {pulled / applied:.2f}")
        join(label, (base, pid), url, tmp)
        a.close()
        b.close()
    return {"push_s": pushed, "pull_s": pulled}


def checking(label: str, wire: list[dict], tmp: Path, maker) -> None:
    """What the one op schema costs: the office's push path (body parsed, every op checked,
    stored) and the tablet's pull path (every op checked, applied), each against the same
    path with the check switched off here, in the bench only."""
    import sync.client as client_mod
    from sync.server import intake
    from visitapp.store.outbox import TabletOutbox

    device_id = maker.db.device_id
    with maker.db.read() as conn:
        page_keys = op_keys.keys_for(conn, [device_id])
    bodies = [json.dumps({"protocol": PROTOCOL_VERSION, "ops": wire[i:i + BATCH]}).encode()
              for i in range(0, len(wire), BATCH)]
    real = intake.op_problem
    times = {}
    for checked in (True, False):
        intake.op_problem = real if checked else (lambda _op: None)
        client_mod.op_problem = real if checked else (lambda _op: None)
        engine = open_database(f"sqlite:///{tmp / f'{label}-check-{checked}.db'}")
        _, tok = store.add_device(engine, team="bench", name="checker")
        principal = store.authenticate(engine, tok)
        register_directly(engine, principal, maker)
        start = time.perf_counter()
        for body in bodies:
            store.push(engine, principal, intake.parse_push(body).ops, hlc.system_ms, device_id)
        push_s = time.perf_counter() - start
        engine.dispose()
        puller = tablet(tmp, f"{label}-check-{checked}")
        outbox = TabletOutbox(puller.db)
        pages = [{"protocol": PROTOCOL_VERSION, "ops": wire[i:i + BATCH], "cursor": i + BATCH,
                  "has_more": False, "server_time_ms": 0, "server_hlc": 0, "keys": page_keys}
                 for i in range(0, len(wire), BATCH)]
        start = time.perf_counter()
        for page in pages:
            reply = client_mod.Reply(200, json.dumps(page).encode(), {})
            parsed = client_mod._pull_page(reply)
            outbox.apply_page(parsed["ops"], parsed["bad"], parsed["cursor"], parsed["keys"])
        pull_s = time.perf_counter() - start
        puller.close()
        times[checked] = (push_s, pull_s)
    intake.op_problem = client_mod.op_problem = real
    (push_on, pull_on), (push_off, pull_off) = times[True], times[False]
    print(f"[{label}] op schema checks: office push path {len(wire) / push_on:,.0f} ops/s "
          f"checked, {len(wire) / push_off:,.0f} unchecked, ratio {push_on / push_off:.2f}; "
          f"tablet pull path {len(wire) / pull_on:,.0f} checked, {len(wire) / pull_off:,.0f} "
          f"unchecked, ratio {pull_on / pull_off:.2f} (target <= 1.5)")


def join(label: str, served: tuple[str, int], url: str, tmp: Path) -> None:
    base = served[0]
    engine = open_database(url)
    _, seed_token = store.add_device(engine, team="join", name="seed")
    _, fresh_token = store.add_device(engine, team="join", name="fresh")
    engine.dispose()
    demo = tablet(tmp, f"{label}-demo")
    create_demo_visit(demo, EXAMPLE_DATE)
    seed = tablet(tmp, f"{label}-seed")
    clone_visits(seed, demo, JOIN_VISITS)
    with demo.db.read() as conn:
        types = dict(conn.execute("SELECT sha256, content_type FROM blobs").fetchall())
    for sha in types:
        seed.blobs.put(demo.blobs.read(sha), types[sha])
    with http_for(base, seed_token) as http:
        sync_engine(seed.db, seed.blobs, http, batch_size=BATCH).push()
    with seed.db.read() as conn:
        total = conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]
    fresh = tablet(tmp, f"{label}-fresh")
    with http_for(base, fresh_token) as http:
        start = time.perf_counter()
        report = sync_engine(fresh.db, fresh.blobs, http, pull_limit=2000).sync()
        took = time.perf_counter() - start
    # The office adds its own signed ops (the actions it opens from a pushed visit's
    # plan), so the fresh tablet holds every op of the seed's and the office's too.
    with seed.db.read() as conn:
        seed_ids = {r[0] for r in conn.execute("SELECT op_id FROM ops")}
    with fresh.db.read() as conn:
        fresh_ids = {r[0] for r in conn.execute("SELECT op_id FROM ops")}
    assert seed_ids <= fresh_ids and report.pulled == len(fresh_ids) and report.complete, (
        report.pulled, total, len(fresh_ids), report.blob_problems)
    print(f"[{label}] fresh tablet joining {JOIN_VISITS} demo visits ({total:,} ops, "
          f"{report.blobs_downloaded} photos): {took:.2f} s (target <= 5 s)")
    for s in (demo, seed, fresh):
        s.close()


RESULT = "bench-sync-result "


def run_all(no_postgres: bool, quick: bool) -> dict[str, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if quick:
            results["sqlite"] = push_and_pull("sqlite", f"sqlite:///{tmp / 'office.db'}", tmp)
        else:
            results["sqlite"] = bench_backend("sqlite", f"sqlite:///{tmp / 'office.db'}",
                                              f"sqlite:///{tmp / 'office-direct.db'}", tmp)
        if not no_postgres:
            with postgres() as url:
                from sqlalchemy import create_engine, text

                admin = create_engine(url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text("CREATE DATABASE direct"))
                admin.dispose()
                results["postgresql"] = (
                    push_and_pull("postgresql", url, tmp) if quick else bench_backend(
                        "postgresql", url, url.rsplit("/", 1)[0] + "/direct", tmp))
    return results


def child(mode: str, no_postgres: bool, quick: bool = False) -> dict[str, dict[str, float]]:
    """The run in a fresh process, signed or not (the switch is read everywhere, the
    office process included, so it must be set before anything is made); `quick`: the
    push and pull only."""
    env = {**os.environ, "VISITAPP_BENCH_CHILD": "quick" if quick else "full"}
    env.pop("VISITAPP_BENCH_UNSIGNED", None)
    if mode == "unsigned":
        env["VISITAPP_BENCH_UNSIGNED"] = "1"
    print(f"--- {mode}{' (push and pull again)' if quick else ''} ---", flush=True)
    proc = subprocess.run([sys.executable, __file__, *(["--no-postgres"] if no_postgres
                                                       else [])],
                          env=env, stdout=subprocess.PIPE, text=True, check=True)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            results = json.loads(line[len(RESULT):])
        else:
            print(line, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="signed and unsigned push-and-pull rounds, taken in turn; "
                             "the fastest of each counts (this machine is shared)")
    args = parser.parse_args()
    mode = os.environ.get("VISITAPP_BENCH_CHILD")
    if mode:
        print(RESULT + json.dumps(run_all(args.no_postgres, quick=mode == "quick")))
        return
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          "(figures are wall-clock: other work on the machine lowers them)")
    rounds = {"signed": [child("signed", args.no_postgres)],
              "unsigned": [child("unsigned", args.no_postgres)]}
    for _ in range(args.rounds - 1):
        for which in ("signed", "unsigned"):
            rounds[which].append(child(which, args.no_postgres, quick=True))
    for label in rounds["signed"][0]:
        s = {k: min(r[label][k] for r in rounds["signed"]) for k in ("push_s", "pull_s")}
        u = {k: min(r[label][k] for r in rounds["unsigned"]) for k in ("push_s", "pull_s")}
        print(f"[{label}] signing (fastest of {args.rounds} rounds each, taken in turn): "
              f"push {N_OPS / s['push_s']:,.0f} ops/s signed, {N_OPS / u['push_s']:,.0f} "
              f"unsigned, ratio {s['push_s'] / u['push_s']:.2f}; pull "
              f"{N_OPS / s['pull_s']:,.0f} ops/s signed, {N_OPS / u['pull_s']:,.0f} "
              f"unsigned, ratio {s['pull_s'] / u['pull_s']:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()

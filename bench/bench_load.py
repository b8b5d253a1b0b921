"""Load benchmark (not a test): N simulated tablets against the office on PostgreSQL.

    .venv/bin/python bench/bench_load.py [--tablets 500] [--workers 2] [--ops 100]
                                         [--spread-s 20] [--burst-only]

Each tablet has a real token (5 tablets to a team) and pushes one visit of `--ops` ops,
then pulls its team's ops; at the end every tablet pulls again and the run checks
exactly-once: the office holds every op once, and every tablet received each of its
team's ops exactly once. Two schedules: spread (tablets start over `--spread-s` seconds)
and burst (all at once). The burst also runs against an office with the one
programme-wide push lock restored (`VISITAPP_OFFICE_GLOBAL_PUSH_LOCK=1`), as the baseline
measured in the same run: per-team locks should give several times its throughput.

Traffic goes to 127.0.0.1 only; every request has a timeout and every run a bound on
its count of tablets and requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import ssl
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_sync import postgres  # noqa: E402

from sync.protocol import DEVICE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402
from sync.server import store  # noqa: E402
from sync.server.db import ENV_GLOBAL_PUSH_LOCK, open_database  # noqa: E402
from tests.office_process import start_office  # noqa: E402
from visitapp.domain import hlc  # noqa: E402

MAX_TABLETS = 2000
WANTED_RATIO = 3  # issue 15: burst throughput against the one lock
TEAM_SIZE = 5


@dataclass
class Tablet:
    name: str
    team: str
    token: str
    device: str = field(default_factory=lambda: f"load-{uuid.uuid4().hex[:16]}")
    cursor: int = 0
    received: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)


@dataclass
class Run:
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    seconds: float = 0.0
    machine_cpu_s: float = 0.0  # every process's CPU on the machine during the run


def visit_ops(tablet: Tablet, n: int) -> list[dict]:
    vid = str(uuid.uuid4())
    now = hlc.system_ms()
    ops = []
    for i in range(n):
        ops.append({"op_id": str(uuid.uuid4()), "visit_id": vid, "device_id": tablet.device,
                    "seq": i + 1, "hlc": hlc.pack(now, i), "entity": "answer",
                    "entity_id": f"ed-load/ed.item{i}", "field": "value", "value": '"green"'})
    ops[0].update(entity="visit", entity_id=vid, field="created_at",
                  value='"2026-11-27T09:00:00Z"')
    tablet.sent = [op["op_id"] for op in ops]
    return ops


def headers(tablet: Tablet) -> dict[str, str]:
    return {"Authorization": f"Bearer {tablet.token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            DEVICE_HEADER: tablet.device}


RETRIES = 2  # a tablet tries again after a dropped connection (sync.client does)


async def send(run: Run, what: str, request) -> httpx.Response | None:  # type: ignore[no-untyped-def]
    """`request()`, tried again after a transport error (a keep-alive connection the
    office closed as it was reused, say): both a push and a pull are safe to repeat.
    Retries are counted; what still fails is an error."""
    for attempt in range(RETRIES + 1):
        try:
            return await request()
        except httpx.TransportError as err:
            if attempt == RETRIES:
                run.errors.append(f"{what}: {err.__class__.__name__}")
                return None
            run.retries += 1
    return None


async def pull_all(http: httpx.AsyncClient, tablet: Tablet, run: Run) -> None:
    for _ in range(1000):  # bounded: a team's ops come in pages
        started = time.perf_counter()
        answer = await send(run, "pull", lambda: http.get(
            "/v1/ops", params={"after": tablet.cursor, "limit": 1000}, headers=headers(tablet)))
        if answer is None:
            return
        run.pull_ms.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            run.errors.append(f"pull {answer.status_code}: {answer.text[:120]}")
            return
        page = answer.json()
        tablet.received += [op["op_id"] for op in page["ops"]]
        tablet.cursor = page["cursor"]
        if not page["has_more"]:
            return


async def one_tablet(http: httpx.AsyncClient, tablet: Tablet, delay_s: float, n_ops: int,
                     run: Run) -> None:
    await asyncio.sleep(delay_s)
    started = time.perf_counter()
    body = {"protocol": PROTOCOL_VERSION, "ops": visit_ops(tablet, n_ops)}
    answer = await send(run, "push", lambda: http.post("/v1/ops", json=body,
                                                       headers=headers(tablet)))
    if answer is None:
        return
    run.push_ms.append((time.perf_counter() - started) * 1000)
    if answer.status_code != 200:
        run.errors.append(f"push {answer.status_code}: {answer.text[:120]}")
        return
    statuses = {r["status"] for r in answer.json()["results"]}
    if statuses != {"applied"}:
        run.errors.append(f"push results {sorted(statuses)}")
    await pull_all(http, tablet, run)


async def drive(base: str, tablets: list[Tablet], spread_s: float, n_ops: int) -> Run:
    """Every tablet its own client and connection, as real tablets have.

    One shared httpx pool of hundreds of connections is not what an office sees, and it
    costs the simulator itself most of a core: httpcore looks over every connection of the
    pool for every request (`_assign_requests_to_connections`), so at 500 tablets the
    client, not the office, set the pace (py-spy, December 2026). The TLS context httpx
    builds for each client is built once and shared (the office is plain HTTP here)."""
    run = Run()
    tls = ssl.create_default_context()
    clients = [httpx.AsyncClient(base_url=base, timeout=120, verify=tls,
                                 limits=httpx.Limits(max_connections=1))
               for _ in tablets]
    try:
        started = time.perf_counter()
        step = spread_s / max(1, len(tablets))
        await asyncio.gather(*(one_tablet(http, t, i * step, n_ops, run)
                               for i, (http, t) in enumerate(zip(clients, tablets,
                                                                 strict=True))))
        run.seconds = time.perf_counter() - started
        await asyncio.gather(*(pull_all(http, t, run)  # the final pull
                               for http, t in zip(clients, tablets, strict=True)))
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))
    return run


def exactly_once(tablets: list[Tablet]) -> list[str]:
    problems = []
    by_team: dict[str, set[str]] = {}
    for t in tablets:
        by_team.setdefault(t.team, set()).update(t.sent)
    for t in tablets:
        if len(t.received) != len(set(t.received)):
            problems.append(f"{t.name}: an op received twice")
        if set(t.received) != by_team[t.team]:
            problems.append(f"{t.name}: {len(by_team[t.team] - set(t.received))} ops missing")
    return problems


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Watch:
    """What the machine and PostgreSQL were doing during one run, sampled on a thread.

    Every 0.2 s: how many client backends were waiting on an advisory lock, and on which
    (the programme-wide push lock, or a team's), out of those in a query or transaction.
    Around the run: the machine's CPU busy share (/proc/stat) and this simulator's own CPU
    (the office's is read when it has stopped). These say why a run went as fast as it did:
    a burst on a 2-core machine with the simulator, the office and PostgreSQL on it is
    CPU-bound before it is lock-bound, and then no lock design can show its gain."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE l.objsubid = 1), count(*) FILTER (WHERE l.objsubid = 2),"
        " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        "  AND state <> 'idle' AND pid <> pg_backend_pid())"
        " FROM pg_locks l WHERE l.locktype = 'advisory' AND NOT l.granted")

    def __init__(self, url: str) -> None:
        self._url = url.replace("postgresql+psycopg://", "postgresql://")
        self._stop = threading.Event()
        self.samples: list[tuple[int, int, int]] = []
        self._thread = threading.Thread(target=self._sample, name="pg-watch", daemon=True)

    def __enter__(self) -> Watch:
        self._cpu0, self._own0 = _machine_cpu(), _own_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        (busy1, all1), (busy0, all0) = _machine_cpu(), self._cpu0
        self.busy = (busy1 - busy0) / max(1, all1 - all0)
        self.cpu_s = (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
        self.client_s = _own_cpu() - self._own0

    def _sample(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            while not self._stop.wait(0.2):
                row = conn.execute(self.QUERY).fetchone()
                self.samples.append(tuple(int(x) for x in row))  # type: ignore[arg-type, union-attr]

    def line(self) -> str:
        busy_backends = sum(s[2] for s in self.samples) or 1
        on_all, on_team = (sum(s[i] for s in self.samples) for i in (0, 1))
        return (f"machine CPU busy {self.busy:.0%}, simulator {self.client_s:.1f} s CPU; "
                f"of backends at work, waiting on the programme-wide lock "
                f"{on_all / busy_backends:.0%}, on a team's lock {on_team / busy_backends:.0%}")


def _machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of every CPU since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scenario(url: str, label: str, n: int, workers: int, spread_s: float, n_ops: int,
             global_lock: bool) -> Run:
    """A fresh database, an office of `workers` workers, n tablets enrolled, one run."""
    engine = open_database(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    engine = open_database(url)
    teams = [f"team-{i // TEAM_SIZE:04d}" for i in range(n)]
    tablets = []
    for team in sorted(set(teams)):
        names = [f"{team} tablet {k}" for k in range(teams.count(team))]
        for name, (_device_id, token) in zip(names, store.add_devices(
                engine, team=team, names=names), strict=True):
            tablets.append(Tablet(name, team, token))
    engine.dispose()
    saved = os.environ.get(ENV_GLOBAL_PUSH_LOCK)
    os.environ[ENV_GLOBAL_PUSH_LOCK] = "1" if global_lock else "0"
    try:
        base, proc = start_office([sys.executable, "-m", "sync.cli"], url, timeout_s=60,
                                  extra=["--workers", str(workers)],
                                  stdout=__import__("subprocess").DEVNULL)
    finally:
        if saved is None:
            os.environ.pop(ENV_GLOBAL_PUSH_LOCK, None)
        else:
            os.environ[ENV_GLOBAL_PUSH_LOCK] = saved
    office_before = _children_cpu()
    try:
        with Watch(url) as watch:
            run = asyncio.run(drive(base, tablets, spread_s, n_ops))
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    office_s = _children_cpu() - office_before  # its workers are waited for by it
    run.machine_cpu_s = watch.cpu_s
    problems = exactly_once(tablets)
    run.errors += problems
    throughput = len(run.push_ms) / run.seconds if run.seconds else 0.0
    print(f"{label:<34} pushes {len(run.push_ms):>4}  push p50 {p(run.push_ms, .5):7.0f} ms "
          f"p99 {p(run.push_ms, .99):7.0f} ms  pull p50 {p(run.pull_ms, .5):6.0f} ms "
          f"p99 {p(run.pull_ms, .99):6.0f} ms  {throughput:6.1f} pushes/s  "
          f"errors {len(run.errors)} (retries {run.retries})  "
          f"exactly-once {'yes' if not problems else 'NO'}")
    print(f"    {watch.line()}, office {office_s:.1f} s CPU")
    for e in run.errors[:5]:
        print(f"    {e}")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--spread-s", type=float, default=20.0)
    parser.add_argument("--burst-only", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.tablets <= MAX_TABLETS:
        parser.error(f"--tablets must be 1 to {MAX_TABLETS}")
    with postgres() as url:
        print(f"{args.tablets} tablets, {TEAM_SIZE} a team, {args.ops} ops each, "
              f"{args.workers} workers, PostgreSQL on 127.0.0.1")
        if not args.burst_only:
            scenario(url, f"spread over {args.spread_s:g} s", args.tablets, args.workers,
                     args.spread_s, args.ops, global_lock=False)
        team = scenario(url, "burst, per-team locks", args.tablets, args.workers, 0.0,
                        args.ops, global_lock=False)
        one = scenario(url, "burst, one global lock (baseline)", args.tablets, args.workers,
                       0.0, args.ops, global_lock=True)
        single = scenario(url, "burst, per-team locks, 1 worker", args.tablets, 1, 0.0,
                          args.ops, global_lock=False)

        def rate(run: Run) -> float:
            return len(run.push_ms) / run.seconds if run.seconds else 0.0

        print(f"burst throughput: per-team {rate(team):.1f} pushes/s, one lock "
              f"{rate(one):.1f} (ratio {rate(team) / max(rate(one), 1e-9):.2f}), "
              f"one worker {rate(single):.1f} (ratio {rate(team) / max(rate(single), 1e-9):.2f})")
        print(f"median push in the burst: {statistics.median(team.push_ms or [0]):.0f} ms")
        # What this machine could show at best: with one lock a push holds it ~1/rate
        # seconds; a push costs the machine (simulator, office, PostgreSQL) c seconds of
        # CPU; n cores then allow about n/c pushes a second, so no lock design can beat
        # the one lock by much more than n/(c * rate) here.
        cores = os.cpu_count() or 1
        cpu_per_push = team.machine_cpu_s / max(1, len(team.push_ms))
        held_s = 1 / max(rate(one), 1e-9)
        print(f"a push costs the machine {cpu_per_push * 1000:.0f} ms of CPU (per-team run; "
              f"other work on the machine counts too); with one lock a push holds it "
              f"~{held_s * 1000:.0f} ms: {cores} cores allow about "
              f"{cores * held_s / cpu_per_push:.1f}x the one lock, and "
              f"{WANTED_RATIO}x needs {WANTED_RATIO * cpu_per_push / held_s:.1f} cores free")
        failed = team.errors or one.errors or single.errors
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Tablet costs as history grows (issue 15), run by bench/bench_store.py as (d), (e), (f):

  (d) the visits screen's reads with 100 visits vs 1 visit (target ratio <= 1.5x), and
      the same 100 read as before the summaries (every visit loaded in full);
  (e) the unsynced count at 500,000 pending ops vs 1,000 (target ratio <= 1.5x), and the
      scan of every pending op it replaced. The ops are written with direct SQL INSERTs
      (through the `ops` triggers, as every op is): 500,000 through the services would
      take most of an hour;
  (f) answering while the state is rebuilt from 50,000 ops: the longest an answer waits
      during `rebuild_in_steps` (target <= 100 ms) and during the one-transaction
      `oplog.rebuild` it replaces, the two rebuild times, and that the stepped result
      equals a full rebuild of the same log.

The screen's reads are what `VisitsScreen.refresh` asks of the services (the sync status,
the visit rows with their unsynced counts and "Continue" buttons), without drawing the
cards: Flet's controls grow with the number of cards whatever the store does.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from visitapp.domain.ids import new_id
from visitapp.services.app import Services
from visitapp.services.visit_json import visit_to_json
from visitapp.store import oplog, sync_state
from visitapp.store.rebuild import rebuild_in_steps
from visitapp.ui.viewmodels import continue_at, visit_rows

Verdict = Callable[[str, bool, str], None]


def _median_ms(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    fn()  # warm: forms parsed, pages cached
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return statistics.median(times), times


# --- (d) the visits screen -----------------------------------------------------------

def copy_visit(services: Services, source: str, copies: int) -> list[str]:
    """`copies` more visits like `source`, as a tablet receives them: its ops under new
    visit and op ids from another device, merged by `oplog.apply_ops` (summaries and all)."""
    with services.db.read() as conn:
        ops = oplog.ops_for_visit(conn, source)
    made = []
    seq = 0
    for n in range(copies):
        vid = new_id()
        ids = {op.op_id: new_id() for op in ops}
        batch = []
        for op in ops:
            seq += 1
            value = op.value
            if op.entity == "visit" and op.field == "system":
                value = oplog.encode(f"Benchmark ICS {n + 2}")
            batch.append(replace(
                op, op_id=ids[op.op_id], visit_id=vid, device_id="bench-copier", seq=seq,
                prev_op_id=ids.get(op.prev_op_id or ""), value=value,
                entity_id=vid if op.entity == "visit" else op.entity_id))
        with services.db.write() as conn:
            oplog.apply_ops(services.db, conn, batch)
        made.append(vid)
    return made


def screen_reads(services: Services, positions: dict[str, tuple[str, str]]) -> int:
    """What the visits screen reads now: the status, then a page of rows (the first
    `PAGE` visits, each with its Continue button) and how many visits there are."""
    status = services.sync.status()
    return visit_rows(services, status.enrolled, positions.get).total


def screen_reads_before(services: Services, positions: dict[str, tuple[str, str]]) -> int:
    """What it read before the summaries (issue 15): counts by scanning the pending ops,
    then every visit loaded in full for its progress and its "Continue" button."""
    with services.db.read() as conn:
        conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0 "
                     "AND op_id NOT IN (SELECT op_id FROM sync_rejections)").fetchone()
        conn.execute("SELECT visit_id, COUNT(*) FROM ops WHERE pushed = 0 AND op_id NOT IN "
                     "(SELECT op_id FROM sync_rejections) GROUP BY visit_id").fetchall()
    shown = 0
    for row in services.visits.list_visits():
        state = services.visits.load(row["id"])
        state.progress()
        continue_at(state, positions.get(row["id"]))
        shown += 1
    return shown


def bench_visits_screen(folder: Path, open_store: Callable[..., Services],
                        new_visit: Callable[[Services], str],
                        fill_visit: Callable[[Services, str], int], repeats: int,
                        verdict: Verdict) -> None:
    print(f"\n(d) visits screen reads (sync status, the first page of visit rows and the "
          f"count, unsynced counts, Continue), 100 visits vs 1 and vs 10 (a full page), "
          f"each 10 areas x 60 items filled, {repeats} repeats, encrypted")
    one = open_store(folder / "screen-1.db")
    page = open_store(folder / "screen-10.db")
    many = open_store(folder / "screen-100.db")
    first = new_visit(one)
    fill_visit(one, first)
    page_source = new_visit(page)
    fill_visit(page, page_source)
    page_vids = [page_source, *copy_visit(page, page_source, 9)]
    source = new_visit(many)
    fill_visit(many, source)
    t0 = time.perf_counter()
    vids = [source, *copy_visit(many, source, 99)]
    made_s = time.perf_counter() - t0

    def positions_of(services: Services, visit_ids: list[str]) -> dict[str, tuple[str, str]]:
        # Every visit touched on this tablet (the worst case): a Continue button each.
        result = {}
        for vid in visit_ids:
            area = services.visits.load(vid).areas[3]
            result[vid] = (area.key, area.visible_items()[7].id)
        return result

    at_one, at_many = positions_of(one, [first]), positions_of(many, vids)
    at_page = positions_of(page, page_vids)
    assert screen_reads(one, at_one) == 1 and screen_reads(many, at_many) == 100
    assert screen_reads(page, at_page) == 10
    t1, _ = _median_ms(lambda: screen_reads(one, at_one), repeats)
    t10, _ = _median_ms(lambda: screen_reads(page, at_page), repeats)
    t100, times = _median_ms(lambda: screen_reads(many, at_many), repeats)
    before, _ = _median_ms(lambda: screen_reads_before(many, at_many), max(3, repeats // 10))
    ratio = t100 / t1
    print(f"  99 visits copied in by apply_ops in {made_s:.1f} s")
    print(f"  1 visit    median {t1:7.3f} ms   (one row shown)")
    print(f"  10 visits  median {t10:7.3f} ms   (a full page of rows shown)")
    print(f"  100 visits median {t100:7.3f} ms   p99 {sorted(times)[int(0.99 * (len(times) - 1))]:7.3f} ms"
          f"   ratio to 1 visit {ratio:.2f}x")
    print(f"  100 visits as read before (every visit loaded) median {before:7.1f} ms   "
          f"{before / t100:.0f}x the summaries")
    # Issue 15's words are "within 1.5x of 1 visit"; but 100 visits show a page of ten
    # rows and one visit shows one, so that ratio is mostly the nine rows more (~14 us
    # each in Python against a 65 us screen). Whether the screen grows with history is
    # 100 visits against 10: the same page shown, ten times the visits behind it.
    growth = t100 / t10
    print(f"  ratio 100 visits to 10 (same page shown, 10x the history) {growth:.2f}x")
    verdict("visits screen, 100 visits <= 1.5x 1 visit", ratio <= 1.5, f"{ratio:.2f}x")
    verdict("visits screen, 100 visits <= 1.5x 10 (a full page each)", growth <= 1.5,
            f"{growth:.2f}x")
    for services in (one, page, many):
        services.close()


# --- (e) the unsynced count ----------------------------------------------------------

def insert_pending_ops(services: Services, count: int, visits: int = 100) -> None:
    """`count` pending answer ops by direct INSERT (the triggers count them as usual),
    spread over `visits` visit ids, in transactions of 50,000; ten are refused."""
    device = "bench-pending"
    seq = 0
    with services.db.write() as conn:
        start = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM ops WHERE device_id = ?",
                             (device,)).fetchone()[0]
    seq = start
    while seq - start < count:
        n = min(50_000, count - (seq - start))
        rows = [(new_id(), f"bench-visit-{(seq + i) % visits}", device, seq + i + 1,
                 (seq + i + 1) << 16, "answer", f"area-{(seq + i) % 7}/item-{(seq + i) % 600}",
                 "value", '"yes"') for i in range(n)]
        with services.db.write() as conn:
            conn.executemany(
                "INSERT INTO ops (op_id, visit_id, device_id, seq, hlc, entity, entity_id, "
                "field, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if seq == start:
                for op_id in [r[0] for r in rows[:10]]:
                    sync_state.reject(conn, op_id, "benchmark: refused by the office")
        seq += n


def bench_unsynced_count(folder: Path, open_store: Callable[..., Services], repeats: int,
                         verdict: Verdict) -> None:
    print(f"\n(e) unsynced count (SyncService.status, as the screen shows it), 500,000 "
          f"pending ops vs 1,000, {repeats} repeats, encrypted; ops by direct SQL INSERT")
    small = open_store(folder / "pending-1k.db")
    large = open_store(folder / "pending-500k.db")
    insert_pending_ops(small, 1_000)
    t0 = time.perf_counter()
    insert_pending_ops(large, 500_000)
    print(f"  500,000 ops inserted in {time.perf_counter() - t0:.1f} s")
    for services, n in ((small, 1_000), (large, 500_000)):
        with services.db.read() as conn:
            scan = conn.execute("SELECT COUNT(*) FROM ops WHERE pushed = 0 AND op_id NOT IN "
                                "(SELECT op_id FROM sync_rejections)").fetchone()[0]
        assert services.sync.status().pending == scan == n - 10, (services.db.path, scan)

    def scan(services: Services) -> int:
        with services.db.read() as conn:
            return int(conn.execute(
                "SELECT COUNT(*) FROM ops WHERE pushed = 0 AND op_id NOT IN "
                "(SELECT op_id FROM sync_rejections)").fetchone()[0])

    small_ms, _ = _median_ms(lambda: small.sync.status(), repeats)
    large_ms, _ = _median_ms(lambda: large.sync.status(), repeats)
    scan_ms, _ = _median_ms(lambda: scan(large), max(3, repeats // 10))
    ratio = large_ms / small_ms
    print(f"  1,000 pending    median {small_ms:7.3f} ms")
    print(f"  500,000 pending  median {large_ms:7.3f} ms   ratio to 1,000 {ratio:.2f}x "
          f"(both equal to the scan)")
    print(f"  scanning the 500,000 pending ops (as before) median {scan_ms:7.1f} ms")
    verdict("unsynced count, 500,000 ops <= 1.5x 1,000", ratio <= 1.5, f"{ratio:.2f}x")
    small.close()
    large.close()


# --- (f) answering during a rebuild --------------------------------------------------

def _answer_while(services: Services, targets: list[tuple[str, str, Any]],
                  work: Callable[[], Any], every_s: float = 0.005
                  ) -> tuple[list[float], float, Any]:
    """Run `work` in a thread and answer every `every_s` meanwhile; (waits in ms, the
    work's time in s, its result)."""
    result: list[Any] = []
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        t0 = time.perf_counter()
        result.append(work())
        took.append(time.perf_counter() - t0)
        done.set()

    thread = threading.Thread(target=run)
    waits: list[float] = []
    thread.start()
    n = 0
    while not done.is_set():
        vid, key, item = targets[n % len(targets)]
        t0 = time.perf_counter()
        services.visits.answer(vid, key, item, ("yes", "no")[n % 2], author="Meanwhile")
        waits.append((time.perf_counter() - t0) * 1000)
        n += 1
        time.sleep(every_s)
    thread.join()
    return waits, took[0], result[0]


def bench_answer_during_rebuild(services: Services, vids: list[str], full_s: float,
                                verdict: Verdict) -> None:
    print("\n(f) answering every 5 ms while the state is rebuilt (same store as (c)); an "
          "answer waits on a rebuild for at most the write transaction it holds")
    targets = []
    for vid in vids[:4]:
        for area in services.visits.load(vid).areas[:2]:
            targets += [(vid, area.key, i.id) for i in area.form.items
                        if i.type.value == "yes_no" and i.show_if is None]
    db = services.db

    def full() -> int:
        with db.write() as conn:
            return oplog.rebuild(conn)

    quiet_waits, _, _ = _answer_while(services, targets, lambda: time.sleep(3))
    old_waits, old_s, _ = _answer_while(services, targets, full)
    new_waits, new_s, report = _answer_while(services, targets, lambda: rebuild_in_steps(db))
    alone_t0 = time.perf_counter()
    alone = rebuild_in_steps(db)
    alone_s = time.perf_counter() - alone_t0
    stepped = [visit_to_json(services.visits.load(v)) for v in vids]
    full()
    same = stepped == [visit_to_json(services.visits.load(v)) for v in vids]
    held_ms = 1000 * report.longest_step_s

    def spread(waits: list[float]) -> str:
        ordered = sorted(waits)
        p99 = f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:7.1f} ms, " if len(waits) > 9 else ""
        return (f"{len(waits)} answers, median {statistics.median(waits):6.2f} ms, {p99}"
                f"longest {ordered[-1]:7.1f} ms")

    print(f"  no rebuild (3 s, baseline):       {spread(quiet_waits)}")
    print(f"  one transaction (oplog.rebuild): {old_s:5.2f} s; {spread(old_waits)}")
    print(f"  in steps (rebuild_in_steps):     {new_s:5.2f} s; {spread(new_waits)}")
    steps_ms = sorted(1000 * t for t in report.step_s)
    print(f"  {report.steps} steps; the longest held the write lock {held_ms:.1f} ms (the most "
          f"an answer waited on it), p99 {steps_ms[int(0.99 * (len(steps_ms) - 1))]:.1f} ms, "
          f"median {statistics.median(steps_ms):.1f} ms; run alone: {alone.steps} steps, "
          f"longest {1000 * alone.longest_step_s:.1f} ms")
    print(f"  stepped rebuild alone {alone_s:.2f} s vs one transaction {full_s:.2f} s (median "
          f"of (c)): {alone_s / full_s:.2f}x; {report.winners:,} winning fields")
    print(f"  stepped result equals a full rebuild of the same log: {'yes' if same else 'NO'}")
    verdict("an answer waits <= 100 ms on a rebuild (longest step)", held_ms <= 100 and same,
            f"{held_ms:.1f} ms")

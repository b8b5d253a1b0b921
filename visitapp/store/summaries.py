"""Per-area and per-visit progress and RAG, kept in step with the state they come from.

The visits screen needs, for each visit, how many areas it has and how much is answered;
working that out means loading every answer of every visit (285 ms at 100 visits). So it
is kept in `area_summary` and `visit_summary` (migration 0009) and read as one row a visit.

How they stay right: triggers on what a summary is computed from (areas, answers, the
team's ratings in field_clock, a form version arriving) add the area to
`summary_stale`; `Database.write()` calls `refresh` just before it commits, which
recomputes only the stale areas and their visits. So a summary changes in the same
transaction as the ops that change it, whatever wrote them (a local edit, a pull, a
bundle, a rebuild, a release), and a pull of 500 answers to one area recomputes it once.

The figures are the domain's own (`AreaState.progress()` and `.rag()` over the same rows
`VisitService.load` reads), so the screen shows exactly what the visit shows when opened;
tests/store/test_summaries.py checks that against `load` under random edits.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from visitapp.domain.forms import Form
from visitapp.domain.summary import AreaSummary, ContinuePoint, SummaryPage, VisitSummary
from visitapp.domain.visit import AnswerState, AreaState
from visitapp.store.pending import REFUSED_PENDING

RAGS = ("green", "amber", "red")
ITEM_RATING_ENTITY = "rating"  # as visitapp.services.visits: id "area_key/item_id"
AREA_RATING_ENTITY = "area_rating"  # id area_key


class _FormCache:
    """Parsed forms by content hash. A hash names one content forever, so an entry can
    never go stale; it only saves parsing the same checklist on every answer."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._forms: dict[str, Form] = {}
        self._lock = threading.Lock()

    def get(self, conn: sqlite3.Connection, form_hash: str, *, held: bool = False
            ) -> Form | None:
        # Whether this tablet holds the form is asked of its database (unless the caller
        # just did: `held`), so a summary never depends on what another database in this
        # process has seen.
        if not held and conn.execute("SELECT 1 FROM form_versions WHERE hash = ?",
                                     (form_hash,)).fetchone() is None:
            return None  # not arrived yet: the form_versions trigger marks the area again
        with self._lock:
            form = self._forms.get(form_hash)
        if form is not None:
            return form
        row = conn.execute("SELECT content FROM form_versions WHERE hash = ?",
                           (form_hash,)).fetchone()
        if row is None:
            return None
        form = Form.from_canonical_json(row[0])
        with self._lock:
            if len(self._forms) >= self._size:
                self._forms.pop(next(iter(self._forms)))
            self._forms[form_hash] = form
        return form


FORMS = _FormCache()


def _known_rag(value: Any) -> str | None:
    return value if value in RAGS else None


# Decoded answer values by their stored text: most are a handful of short texts ("yes",
# 3, "green") decoded again for every area refreshed, and a text always decodes to the
# same value. Only immutable results are kept (a list, say multi_choice, is decoded
# afresh), so no two AreaStates share anything they could change; long texts (written
# answers) are not kept either.
_DECODED: dict[str, Any] = {}
_DECODED_MAX = 4096


def _decode(text: str) -> Any:
    try:
        return _DECODED[text]
    except KeyError:
        value = json.loads(text)
        if (len(text) <= 64 and isinstance(value, str | int | float | bool)
                and len(_DECODED) < _DECODED_MAX):
            _DECODED[text] = value
        return value


def area_state(conn: sqlite3.Connection, visit_id: str, key: str) -> AreaState | None:
    """The area as `VisitService.load` builds it (answers and the team's ratings), or None
    when load would not show it (deleted, no form, or its form not on this tablet)."""
    row = conn.execute(
        "SELECT kind, label, form_hash, position, done, "
        "EXISTS (SELECT 1 FROM form_versions f WHERE f.hash = a.form_hash) FROM areas a "
        "WHERE visit_id = ? AND key = ? AND COALESCE(deleted, 0) = 0 AND form_hash IS NOT NULL",
        (visit_id, key)).fetchone()
    if row is None or not row[5]:
        return None  # a form not arrived yet: the form_versions trigger marks the area again
    form = FORMS.get(conn, row[2], held=True)
    if form is None:
        return None
    area = AreaState(key=key, kind=row[0], label=row[1], form=form, position=row[3] or 0,
                     done=bool(row[4]))
    answers = area.answers
    for item_id, value, note in conn.execute(
            "SELECT item_id, value, note FROM answers WHERE visit_id = ? AND area_key = ?",
            (visit_id, key)):
        if value is None and note is None:
            continue
        answers[item_id] = AnswerState(value=None if value is None else _decode(value),
                                       note=note)
    # The team's ratings, of items and of the area: winning ops of entities with no state
    # table, in one query. An item's id range is "key/" up to "key0" ('0' follows '/'),
    # which the field_clock key can seek.
    area.team_rag = None
    for entity, entity_id, value in conn.execute(
            "SELECT fc.entity, fc.entity_id, o.value FROM field_clock fc "
            "JOIN ops o ON o.op_id = fc.op_id WHERE fc.visit_id = ? AND fc.entity = ? "
            "AND fc.entity_id >= ? AND fc.entity_id < ? AND fc.field = 'rag' "
            "UNION ALL SELECT fc.entity, fc.entity_id, o.value FROM field_clock fc "
            "JOIN ops o ON o.op_id = fc.op_id WHERE fc.visit_id = ? AND fc.entity = ? "
            "AND fc.entity_id = ? AND fc.field = 'rag'",
            (visit_id, ITEM_RATING_ENTITY, key + "/", key + "0",
             visit_id, AREA_RATING_ENTITY, key)):
        rag = _known_rag(_decode(value))
        if entity == AREA_RATING_ENTITY:
            area.team_rag = rag
        elif rag is not None:
            answers.setdefault(entity_id[len(key) + 1:], AnswerState()).team_rag = rag
    return area


_UPSERT_AREA = (
    "INSERT INTO area_summary (visit_id, area_key, answered, visible, required_missing, "
    "green, amber, red, rag, visible_items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (visit_id, area_key) DO UPDATE SET answered = excluded.answered, "
    "visible = excluded.visible, required_missing = excluded.required_missing, "
    "green = excluded.green, amber = excluded.amber, red = excluded.red, rag = excluded.rag, "
    "visible_items = excluded.visible_items"
)
# A visit's totals from its areas' summaries, written in one statement; no row comes
# out of the SELECT (so nothing is written) when the visit has no area summary left.
_UPSERT_VISIT = (
    "INSERT INTO visit_summary (visit_id, areas, answered, visible, required_missing, green, "
    "amber, red) SELECT visit_id, COUNT(*), SUM(answered), SUM(visible), "
    "SUM(required_missing), SUM(green), SUM(amber), SUM(red) FROM area_summary "
    "WHERE visit_id = ? GROUP BY visit_id ON CONFLICT (visit_id) DO UPDATE SET "
    "areas = excluded.areas, answered = excluded.answered, visible = excluded.visible, "
    "required_missing = excluded.required_missing, green = excluded.green, "
    "amber = excluded.amber, red = excluded.red"
)


def has_stale(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM summary_stale LIMIT 1").fetchone() is not None


def refresh(conn: sqlite3.Connection,
            stale: list[tuple[str, str]] | None = None) -> int:
    """Recompute the stale areas and their visits; call inside a write. `stale`: the
    rows of summary_stale, when the caller has just read them. Returns how many."""
    if stale is None:
        stale = conn.execute("SELECT visit_id, area_key FROM summary_stale").fetchall()
    if not stale:
        return 0
    for visit_id, key in stale:
        refresh_area(conn, visit_id, key)
    refresh_visits(conn, {visit_id for visit_id, _ in stale})
    # Writing the summaries fires no trigger, so nothing new is stale now.
    conn.execute("DELETE FROM summary_stale")
    return len(stale)


def refresh_area(conn: sqlite3.Connection, visit_id: str, key: str) -> None:
    area = area_state(conn, visit_id, key)
    if area is None:
        conn.execute("DELETE FROM area_summary WHERE visit_id = ? AND area_key = ?",
                     (visit_id, key))
        return
    visible = area.visible_items()
    progress = area.progress(visible)
    rag = area.rag(visible)
    conn.execute(_UPSERT_AREA, (
        visit_id, key, progress.answered, progress.visible, progress.required_missing,
        rag.counts["green"],
        rag.counts["amber"], rag.counts["red"], rag.overall,
        json.dumps([item.id for item in visible], separators=(",", ":"))))


def refresh_visits(conn: sqlite3.Connection, visit_ids: Iterable[str]) -> None:
    for visit_id in visit_ids:
        if conn.execute(_UPSERT_VISIT, (visit_id,)).rowcount == 0:
            conn.execute("DELETE FROM visit_summary WHERE visit_id = ?", (visit_id,))


# --- reading ---------------------------------------------------------------------------

_ROW_COLUMNS = (
    "v.id, v.system, v.trust, v.site, v.date, v.visit_type, v.status, "
    "s.areas, s.answered, s.visible, s.required_missing, s.green, s.amber, s.red"
)
# The limit is written into the statement, not bound: SQLite plans with a bound LIMIT's
# value, so binding one makes it prepare the statement again on every run (measured:
# 40-60 us each time the screen reads its page, more than reading the rows).
_LISTED = "WHERE v.system IS NOT NULL ORDER BY v.date DESC, v.system LIMIT {limit:d}"


def _summary(r: tuple[Any, ...]) -> VisitSummary:
    return VisitSummary(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or 0, r[8] or 0,
                        r[9] or 0, r[10] or 0,
                        {"green": r[11] or 0, "amber": r[12] or 0, "red": r[13] or 0})


def visit_rows(conn: sqlite3.Connection, limit: int | None = None) -> list[VisitSummary]:
    """The visits on the tablet (as `list_visits`: named ones, newest first), one row
    each, with its progress and RAG counts; `limit`: the first so many only."""
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM visits v LEFT JOIN visit_summary s ON s.visit_id = v.id "
        f"{_LISTED.format(limit=-1 if limit is None else limit)}").fetchall()
    return [_summary(r) for r in rows]


def count_visits(conn: sqlite3.Connection) -> int:
    """How many visits `visit_rows` would list without a limit."""
    return conn.execute("SELECT COUNT(*) FROM visits WHERE system IS NOT NULL").fetchone()[0]


# The first page with, in the same statement, each visit's unsent changes (the totals the
# `ops` triggers keep, less the refused ops still pending: sync_state.unsent_by_visit's
# figures) and how many visits there are. The refusals are grouped once (the table is
# short) rather than looked up for each row; the count is an uncorrelated subquery, run
# once, over the index the page is read in.
_PAGE = (
    f"WITH refused (visit_id, n) AS ({REFUSED_PENDING}) "
    f"SELECT {_ROW_COLUMNS}, COALESCE(p.count, 0) - COALESCE(r.n, 0), "
    "(SELECT COUNT(*) FROM visits WHERE system IS NOT NULL) "
    "FROM visits v LEFT JOIN visit_summary s ON s.visit_id = v.id "
    "LEFT JOIN pending_ops p ON p.visit_id = v.id LEFT JOIN refused r ON r.visit_id = v.id "
    f"{_LISTED}"
)


def visit_page(conn: sqlite3.Connection, limit: int,
               last_position: Callable[[str], tuple[str, str] | None]) -> SummaryPage:
    """What the visits screen shows, in two statements: the first `limit` visits of
    `visit_rows`, how many there are, their unsent changes, and a Continue point for each
    visit `last_position` knows (see `continue_points`)."""
    rows = conn.execute(_PAGE.format(limit=limit)).fetchall()
    visits = [_summary(r) for r in rows]
    unsent = {r[0]: r[14] for r in rows if r[14] > 0}
    total = rows[0][15] if rows else count_visits(conn)
    wanted = [(r[0], *p) for r in rows if (p := last_position(r[0])) is not None]
    return SummaryPage(visits, total, unsent, continue_points(conn, wanted))


def continue_points(conn: sqlite3.Connection, wanted: Iterable[tuple[str, str, str]]
                    ) -> dict[str, ContinuePoint]:
    """By visit id, where each (visit id, area key, item id) stands in its area's visible
    items, in one query a chunk. Areas a visit does not show, or whose form is not here,
    are left out."""
    return {visit_id: ContinuePoint(key, label, form, item_id, _position(ids, item_id),
                                    visible)
            for (visit_id, key, item_id), label, form, _answered, visible, ids
            in _summaries_of(conn, list(wanted))}


def _position(ids_json: str, item_id: str) -> int | None:
    """The 0-based place of `item_id` in a stored list of item ids, found in the text
    rather than parsed (measured cheaper than having SQLite count in it, too): item ids
    are plain (`[a-z0-9_.-]`, domain.forms), so an id is `"id"` in the text and every
    comma before it ends one id."""
    at = ids_json.find(f'"{item_id}"')
    return None if at < 0 else ids_json.count(",", 0, at)


def area_rows(conn: sqlite3.Connection, wanted: Iterable[tuple[str, str]]
              ) -> dict[tuple[str, str], AreaSummary]:
    """Some areas' summaries by (visit id, area key), in one query; areas a visit does not
    show are left out (a summary exists only for an area with its form on the tablet)."""
    return {(visit_id, key): AreaSummary(key=key, label=label, form=form, answered=answered,
                                         visible=visible, visible_ids=tuple(json.loads(ids)))
            for (visit_id, key), label, form, answered, visible, ids
            in _summaries_of(conn, list(wanted))}


def _summaries_of(conn: sqlite3.Connection, wanted: list[tuple[str, ...]]
                  ) -> Iterator[tuple[tuple[str, ...], str, Form, int, int, str]]:
    """For each wanted (visit id, area key, anything else) whose area has a summary and
    its form on the tablet: (that tuple, label, form, answered, visible, the visible item
    ids as stored JSON), one query a chunk.

    An area has a summary only while its form is on the tablet (`refresh_area`; forms
    are never removed, and a change of an area's form marks it stale), so the summary's
    existence says the form is held: no form_versions lookup a row."""
    if not wanted:
        return
    width = len(wanted[0])
    names = ["visit_id", "area_key", *(f"extra{i}" for i in range(width - 2))]
    row_marks = "(" + ", ".join("?" * width) + ")"
    per_query = 900 // width  # SQLite's variable limit
    forms: dict[str, Form | None] = {}  # a page's areas share a few forms
    for i in range(0, len(wanted), per_query):
        chunk = wanted[i:i + per_query]
        for row in conn.execute(
                f"WITH wanted ({', '.join(names)}) AS "
                f"(VALUES {', '.join(row_marks for _ in chunk)}) "
                f"SELECT {', '.join('w.' + n for n in names)}, a.label, a.form_hash, "
                "s.answered, s.visible, s.visible_items FROM wanted w "
                "CROSS JOIN area_summary s ON s.visit_id = w.visit_id AND s.area_key = w.area_key "
                "JOIN areas a ON a.visit_id = s.visit_id AND a.key = s.area_key",
                [x for key in chunk for x in key]):
            label, form_hash, answered, visible, ids = row[width:]
            form = forms.get(form_hash)
            if form is None:
                form = forms[form_hash] = FORMS.get(conn, form_hash, held=True)
            if form is not None:
                yield tuple(row[:width]), label, form, answered, visible, ids

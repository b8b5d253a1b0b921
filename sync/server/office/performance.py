"""NHS England's monthly "A&E Attendances and Emergency Admissions" provider CSV, as
published, into the office; and its figures rolled up from trusts to systems.

The file: one row per provider and month. `Period` reads like `MSitAE-JANUARY-2026`;
`Org Code`, `Parent Org`, `Org name`; six attendance columns (type 1, type 2, other A&E
department, and booked appointments of each) and the six matching over-4-hour columns;
`Patients who have waited 4-12 hs from DTA to admission` (the source's own spelling) and
`Patients who have waited 12+ hrs from DTA to admission`; the emergency admission columns;
a `TOTAL` row for England. Counts may carry thousands commas or be blank (nil).

The bad-row rules are the tablet's daily import's (`visitapp.domain.daily_csv`): UTF-8 with
or without BOM, comma or semicolon, CRLF or LF; a bad row is skipped and named by its line
(the header is line 1); the rest is taken. Re-importing a month replaces that month.

4-hour % of a system = 100 x (1 - over-4-hour / attendances), each summed over all six
columns (booked appointments included) and over the system's trusts, to two decimals.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, func, insert, select

from sync.server.db import write
from sync.server.office import tables as t
from visitapp.domain.daily_csv import data_rows, open_csv

MAX_BYTES = 20 * 1024 * 1024
MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
          "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
PERIOD = re.compile(r"^MSitAE-([A-Z]+)-(\d{4})$", re.IGNORECASE)
ATTENDANCE_PREFIX = "a&e attendances"
OVER_4H_PREFIX = "attendances over 4hrs"
ADMISSION_PREFIXES = ("emergency admissions via a&e", "other emergency admissions")
DTA_4_12 = "patients who have waited 4-12 hs from dta to admission"
DTA_12_PLUS = "patients who have waited 12+ hrs from dta to admission"
TYPES = ("type 1", "type 2", "other")
KEY_COLUMNS = ("period", "org code", "parent org", "org name")


class UnreadableFile(ValueError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass(frozen=True)
class ProviderMonth:
    month: str  # 2026-01
    org_code: str
    parent_org: str
    org_name: str
    attendances: int
    over_4h: int
    dta_4_12: int
    dta_12_plus: int
    emergency_admissions: int


@dataclass
class ParsedFile:
    rows: list[ProviderMonth] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    months: list[str]
    taken: int
    replaced: int
    skipped: list[str]
    notes: list[str]

    def summary(self) -> str:
        text = (f"took {self.taken} provider row(s) for {', '.join(self.months) or 'no month'}")
        if self.replaced:
            text += f" (replacing {self.replaced} row(s) imported before)"
        if self.skipped:
            text += f"; skipped {len(self.skipped)}"
        return text


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def parse_period(text: str) -> str:
    found = PERIOD.match(text.strip())
    if not found or found.group(1).upper() not in MONTHS:
        raise ValueError(f"Period {text.strip()!r} is not like MSitAE-JANUARY-2026")
    return f"{found.group(2)}-{MONTHS.index(found.group(1).upper()) + 1:02d}"


def _count(raw: str, column: str) -> int:
    raw = raw.strip()
    if raw in ("", "-"):
        return 0  # published blank: nil or not applicable to this provider
    try:
        number = float(raw.replace(",", ""))
    except ValueError:
        raise ValueError(f"{column} {raw!r} is not a number") from None
    if number < 0:
        raise ValueError(f"{column} is negative ({raw})")
    if not number.is_integer():
        raise ValueError(f"{column} {raw!r} is not a whole number")
    return int(number)


def _type_of(name: str) -> str:
    booked = "booked" in name
    kind = "type 1" if "type 1" in name else "type 2" if "type 2" in name else "other"
    return ("booked " if booked else "") + kind


def parse_file(data: bytes) -> ParsedFile:
    reader, raw_header = open_csv(data, UnreadableFile, MAX_BYTES)
    header = [_norm(h) for h in raw_header]
    labels = {n: " ".join(r.replace("\ufeff", "").split()) for n, r in zip(header, raw_header,
                                                                          strict=True)}
    missing = [c for c in KEY_COLUMNS[:2] + (DTA_4_12, DTA_12_PLUS) if c not in header]
    attendance = [h for h in header if h.startswith(ATTENDANCE_PREFIX)]
    over = [h for h in header if h.startswith(OVER_4H_PREFIX)]
    admissions = [h for h in header if h.startswith(ADMISSION_PREFIXES)]
    if len(attendance) != 6:
        missing.append(f"the six 'A&E attendances ...' columns (found {len(attendance)})")
    if len(over) != 6:
        missing.append(f"the six 'Attendances over 4hrs ...' columns (found {len(over)})")
    if not admissions:
        missing.append("the 'Emergency admissions via A&E ...' columns")
    if missing:
        raise UnreadableFile("line 1: not NHS England's monthly A&E provider file; missing "
                             + "; ".join(missing))
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise UnreadableFile(f"line 1: column(s) repeated: {', '.join(repeated)}")
    over_by_type = {_type_of(h): h for h in over}
    if len(over_by_type) != 6 or len({_type_of(a) for a in attendance}) != 6:
        raise UnreadableFile("line 1: the attendance and over-4-hour columns do not pair up "
                             "by type (type 1, type 2, other; booked appointments of each)")
    pairs = [(a, over_by_type.get(_type_of(a))) for a in attendance]

    result = ParsedFile()
    seen: dict[tuple[str, str], int] = {}
    for line, cells in data_rows(reader, len(header), result.skipped):
        record = dict(zip(header, cells, strict=False))
        code = (record.get("org code") or "").strip().upper()
        if code == "TOTAL" or (record.get("parent org") or "").strip().upper() == "TOTAL":
            result.notes.append(f"line {line}: the TOTAL row (England) is not a provider: "
                                "left out")
            continue
        try:
            row = _row(record, code, pairs, admissions, labels)
        except ValueError as err:
            result.skipped.append(f"line {line}: {err}")
            continue
        key = (row.month, row.org_code)
        if key in seen:
            result.skipped.append(f"line {line}: {row.org_code} for {row.month} repeats "
                                  f"line {seen[key]}")
            continue
        seen[key] = line
        result.rows.append(row)
    return result


def _row(record: dict[str, str], code: str, pairs: list[tuple[str, str | None]],
         admissions: list[str], labels: dict[str, str]) -> ProviderMonth:
    month = parse_period(record.get("period", ""))
    if not code:
        raise ValueError("Org Code is blank")
    attendances = over_4h = 0
    for attended, over in pairs:
        a = _count(record.get(attended, ""), labels[attended])
        o = _count(record.get(over, ""), labels[over]) if over else 0
        if o > a:
            raise ValueError(f"{labels[over or '']} ({o}) is above {labels[attended]} ({a})")
        attendances, over_4h = attendances + a, over_4h + o
    return ProviderMonth(
        month=month, org_code=code, parent_org=(record.get("parent org") or "").strip(),
        org_name=(record.get("org name") or "").strip(), attendances=attendances,
        over_4h=over_4h, dta_4_12=_count(record.get(DTA_4_12, ""), "4-12 hs from DTA"),
        dta_12_plus=_count(record.get(DTA_12_PLUS, ""), "12+ hrs from DTA"),
        emergency_admissions=sum(_count(record.get(c, ""), labels[c]) for c in admissions))


def import_file(engine: Engine, data: bytes) -> ImportResult:
    """Parse and store; each month in the file replaces that month, in one transaction."""
    parsed = parse_file(data)
    months = sorted({r.month for r in parsed.rows})
    replaced = 0
    with write(engine) as conn:
        if months:
            replaced = conn.execute(delete(t.performance).where(
                t.performance.c.month.in_(months))).rowcount or 0
            conn.execute(insert(t.performance), [r.__dict__ for r in parsed.rows])
        known = {r[0] for r in conn.execute(select(t.system_trusts.c.ods_code))}
    unknown = sorted({(r.org_code, r.org_name) for r in parsed.rows if r.org_code not in known})
    notes = list(parsed.notes)
    if unknown:
        shown = ", ".join(f"{c} ({n})" if n else c for c, n in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        notes.append(f"{len(unknown)} trust(s) not in any system, kept but not counted "
                     f"until registered: {shown}{more}")
    return ImportResult(months, len(parsed.rows), replaced, parsed.skipped, notes)


@dataclass(frozen=True)
class SystemMonth:
    system_id: int
    month: str
    attendances: int
    over_4h: int
    dta_12_plus: int
    emergency_admissions: int

    @property
    def four_hour_pct(self) -> float | None:
        if not self.attendances:
            return None
        return round(100 * (1 - self.over_4h / self.attendances), 2)


def system_months(conn: Connection, system_ids: list[int] | None = None
                  ) -> dict[int, list[SystemMonth]]:
    """Each system's months, oldest first, summed over its trusts."""
    p, st = t.performance, t.system_trusts
    query = (select(st.c.system_id, p.c.month, func.sum(p.c.attendances),
                    func.sum(p.c.over_4h), func.sum(p.c.dta_12_plus),
                    func.sum(p.c.emergency_admissions))
             .join(st, st.c.ods_code == p.c.org_code)
             .group_by(st.c.system_id, p.c.month).order_by(st.c.system_id, p.c.month))
    if system_ids is not None:
        query = query.where(st.c.system_id.in_(system_ids))
    out: dict[int, list[SystemMonth]] = defaultdict(list)
    for sid, month, att, over, twelve, adm in conn.execute(query):
        out[sid].append(SystemMonth(sid, month, int(att), int(over), int(twelve), int(adm)))
    return out

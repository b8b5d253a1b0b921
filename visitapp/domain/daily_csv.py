"""Read a hospital's daily extract (CSV) into daily rows, reporting every bad line.

The contract (README, "Data deep dive"): one row a day; a `date` column (ISO 2026-11-27
or 27/11/2026) and any of the count columns in `indicators.COUNT_COLUMNS`. Unknown columns
are ignored with a note; a missing column leaves its indicators uncomputed. UTF-8 with or
without BOM, comma- or semicolon-separated, CRLF or LF. A bad row (an unparseable date, a
negative or non-numeric count, within_4h above attendances, a repeated date) is skipped
and reported by its line in the file, the header being line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from visitapp.domain.indicators import COUNT_COLUMNS, DailyRow

MAX_BYTES = 20 * 1024 * 1024


class UnreadableExtract(ValueError):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass
class ParsedExtract:
    rows: list[DailyRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line 7: ..." per bad row
    notes: list[str] = field(default_factory=list)  # unknown or missing columns
    columns: list[str] = field(default_factory=list)


def parse_date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date {text!r} is not a date like 2026-11-27 or 27/11/2026")


def open_csv(data: bytes, unreadable: type[ValueError] = ValueError,
             max_bytes: int = MAX_BYTES) -> tuple[Iterator[list[str]], list[str]]:
    """A CSV file as (reader of the rows after the header, the header), on the rules every
    import here follows: UTF-8 with or without a BOM, comma- or semicolon-separated (which
    the header line says), CRLF or LF. A file that cannot be read whole raises
    `unreadable` with the reason."""
    if len(data) > max_bytes:
        raise unreadable(f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise unreadable(f"not UTF-8 text (byte {err.start})") from None
    if not text.strip():
        raise unreadable("the file is empty")
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as err:
        raise unreadable(f"line 1: {err}") from None
    return reader, header


def data_rows(reader: Any, width: int,
              skipped: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row worth reading from a csv reader (`open_csv`'s:
    it counts lines, quoted newlines included). A row the CSV reader cannot read,
    or with more cells than the header has columns, is added to `skipped` by its line;
    blank lines are not rows."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            skipped.append(f"line {reader.line_num}: {err}")
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width:
            skipped.append(f"line {line}: {len(cells)} cells but {width} columns")
            continue
        yield line, cells


def parse_extract(data: bytes) -> ParsedExtract:
    reader, header = open_csv(data, UnreadableExtract)
    names = [h.strip().lower() for h in header]
    if "date" not in names:
        raise UnreadableExtract(f"line 1: no `date` column (columns found: {', '.join(names) or 'none'})")
    result = ParsedExtract(columns=[n for n in names if n in COUNT_COLUMNS])
    unknown = [h for h in names if h and h != "date" and h not in COUNT_COLUMNS]
    if unknown:
        result.notes.append(f"ignored unknown column(s): {', '.join(unknown)}")
    missing = [c for c in COUNT_COLUMNS if c not in names]
    if missing:
        result.notes.append(f"missing column(s), their indicators are not computed: {', '.join(missing)}")
    duplicates = {n for n in names if names.count(n) > 1 and n}
    if duplicates:
        raise UnreadableExtract(f"line 1: column(s) repeated: {', '.join(sorted(duplicates))}")

    seen: dict[date, int] = {}
    for line, cells in data_rows(reader, len(names), result.skipped):
        record = dict(zip(names, cells, strict=False))
        try:
            row = _row(record)
        except ValueError as err:
            result.skipped.append(f"line {line}: {err}")
            continue
        if row.day in seen:
            result.skipped.append(f"line {line}: date {row.day.isoformat()} repeats line {seen[row.day]}")
            continue
        seen[row.day] = line
        result.rows.append(row)
    result.rows.sort(key=lambda r: r.day)
    return result


def _row(record: dict[str, str]) -> DailyRow:
    day = parse_date(record.get("date", ""))
    counts: dict[str, int] = {}
    for column in COUNT_COLUMNS:
        raw = (record.get(column) or "").strip()
        if raw == "":
            continue
        try:
            number = float(raw.replace(",", ""))  # "1,204": a quoted thousands separator
        except ValueError:
            raise ValueError(f"{column} {raw!r} is not a number") from None
        if number < 0:
            raise ValueError(f"{column} is negative ({raw})")
        if not number.is_integer():
            raise ValueError(f"{column} {raw!r} is not a whole number")
        counts[column] = int(number)
    if "within_4h" in counts and "attendances" in counts and counts["within_4h"] > counts["attendances"]:
        raise ValueError(
            f"within_4h ({counts['within_4h']}) is above attendances ({counts['attendances']})")
    for part, whole in (("discharges_before_noon", "discharges"), ("stranded_21d", "stranded_7d")):
        if part in counts and whole in counts and counts[part] > counts[whole]:
            raise ValueError(f"{part} ({counts[part]}) is above {whole} ({counts[whole]})")
    return DailyRow(day=day, counts=counts)


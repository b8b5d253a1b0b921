"""The one op schema: what a well-formed op is, checked the same way everywhere.

The office checks every pushed op with `op_problem`, the tablet every pulled op and every
bundle op, so an op one end accepts the other can apply. It answers a reason in words (or
None), never raises, and is cheap enough for the push path (tens of thousands a second).

What it checks:
- The envelope: exactly the op's fields, each of its JSON type (an integer is an integer,
  not `"5"`, not `5.0`, not `true`), ids of the id grammar, no control character (NUL
  included: PostgreSQL refuses it in text) in any text.
- The value: strict JSON text (no NaN or Infinity), at most `MAX_DEPTH` deep, the whole op
  at most `MAX_OP_BYTES` of UTF-8, no NUL inside any string.
- Per entity kind: the entity id's grammar (an answer is `area_key/item_id`; the visit
  entity names the op's own visit, so no op can write another visit), and for each known
  field its value type (hashes are 64 hex, positions are integers, form content parses
  as a checklist whose hash is its entity id).

Fields and entity kinds not listed here (a newer app's) get the generic checks only: the
tablet keeps them in its log without materialising them, so they cannot break it. A new
field should be added to `ENTITIES` so it gets its typed check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_OP_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_AUTHOR = 200
MAX_INT = 2**62

REQUIRED = ("op_id", "visit_id", "device_id", "seq", "hlc", "entity", "entity_id", "field",
            "value")
OPTIONAL = ("prev_op_id", "author", "confirmed", "sig")
OP_FIELDS = frozenset(REQUIRED + OPTIONAL)

IDENT = _IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_ENTITY_ID = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
_PLAIN = re.compile(r"[^\x00-\x1f\x7f]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
# An Ed25519 signature, base64url without padding (visitapp.domain.signing); null for a
# legacy op, made before ops were signed.
SIG = re.compile(r"[A-Za-z0-9_-]{86}(?:\.[A-Za-z0-9_-]{43})?")  # signature[.link]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_value(text: str) -> tuple[Any, str | None]:
    """Strict JSON of bounded depth: (value, None) or (None, reason)."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        return None, f"value is nested more than {MAX_DEPTH} deep"
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        return None, f"value is not strict JSON ({str(err)[:80]})"
    if "\\u0000" in text and _has_nul(value):
        return None, "value holds a NUL character"
    return value, None


def _depth(text: str) -> int:
    deepest = depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# --- value types ---------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # a value -> why it is wrong, or None


def _nullable(check: Check) -> Check:
    def nullable(value: Any) -> str | None:
        return None if value is None else check(value)
    return nullable


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "is not text"


def _int(value: Any) -> str | None:
    if type(value) is not int:
        return "is not a whole number"
    return None if -MAX_INT < value < MAX_INT else "is out of range"


def _number(value: Any) -> str | None:
    return None if type(value) in (int, float) else "is not a number"


def _bool(value: Any) -> str | None:
    return None if type(value) is bool else "is not true or false"


def _true(value: Any) -> str | None:
    return None if value is True else "must be true"


def _sha(value: Any) -> str | None:
    ok = isinstance(value, str) and _SHA256.fullmatch(value)
    return None if ok else "is not a SHA-256 (64 hex digits)"


def _ident(value: Any) -> str | None:
    return None if isinstance(value, str) and _IDENT.fullmatch(value) else "is not an id"


def _date(value: Any) -> str | None:
    ok = isinstance(value, str) and _DATE.fullmatch(value)
    return None if ok else "is not a date like 2026-11-27"


def _list(value: Any) -> str | None:
    return None if isinstance(value, list) else "is not a list"


def _texts(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "is not a list of text"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "is not an object"


def _report(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "is not an object"
    return None if _sha(value.get("sha256")) is None else "has no SHA-256 of its PDF"


def _any(_value: Any) -> str | None:
    return None


def _rag(value: Any) -> str | None:
    return None if value in ("red", "amber", "green") else "is not red, amber or green"


def _key_messages(value: Any) -> str | None:
    if not isinstance(value, list):
        return "is not a list"
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            return "holds an entry without its text"
        if entry.get("rag") not in (None, "red", "amber", "green"):
            return "holds a rating that is not red, amber or green"
    return None


TEXT, INT, NUMBER, BOOL, SHA, ID, DATE, LIST, TEXTS, OBJECT, REPORT, RAG, KEY_MESSAGES = (
    _nullable(c) for c in (_text, _int, _number, _bool, _sha, _ident, _date, _list, _texts,
                           _object, _report, _rag, _key_messages))
ANY = _any


# --- entity ids -----------------------------------------------------------------------------

IdCheck = Callable[[str, str], str | None]  # (visit id, entity id) -> why it is wrong


def _own_visit(visit_id: str, entity_id: str) -> str | None:
    if entity_id != visit_id:
        return (f"names visit {entity_id[:40]} but is filed under visit {visit_id[:40]}: "
                "an op may only change its own visit")
    return None


def _ident_id(_visit_id: str, entity_id: str) -> str | None:
    return None if _IDENT.fullmatch(entity_id) else "entity_id is not an id"


def _answer_id(_visit_id: str, entity_id: str) -> str | None:
    parts = entity_id.split("/")
    if len(parts) != 2 or not all(_IDENT.fullmatch(p) for p in parts):
        return f"answer id {entity_id[:60]!r} is not area_key/item_id"
    return None


def _sha_id(_visit_id: str, entity_id: str) -> str | None:
    return None if _SHA256.fullmatch(entity_id) else "form id is not a SHA-256"


def _date_id(_visit_id: str, entity_id: str) -> str | None:
    return None if _DATE.fullmatch(entity_id) else "entity_id is not a date"


def _generic_id(_visit_id: str, _entity_id: str) -> str | None:
    return None  # the envelope already refused control characters and over-long ids


# Programme-wide ops the office makes (the exemplar library, published checklists) are
# filed under this one pseudo-visit: every op names a visit, and this one is claimed on
# the office for no team, so no tablet can write into it (sync/README.md).
PROGRAMME_VISIT_ID = "programme"
ACTION_STATUSES = ("not_started", "in_progress", "done", "blocked")
RETENTION_DAYS_RANGE = (1, 3650)  # how long a tablet keeps a finished, synced visit


def _programme_id(visit_id: str, entity_id: str) -> str | None:
    if visit_id != PROGRAMME_VISIT_ID:
        return f"is programme-wide and must be filed under visit {PROGRAMME_VISIT_ID}"
    return _ident_id(visit_id, entity_id)


def _retention_days(value: Any) -> str | None:
    low, high = RETENTION_DAYS_RANGE
    if type(value) is not int or not low <= value <= high:
        return f"is not a whole number of days from {low} to {high}"
    return None


def _status(value: Any) -> str | None:
    return None if value in ACTION_STATUSES else f"is not one of {', '.join(ACTION_STATUSES)}"


@dataclass(frozen=True)
class EntitySchema:
    entity_id: IdCheck
    fields: dict[str, Check] = field(default_factory=dict)
    only_known_fields: bool = False  # forms and resolutions have exactly one field


def _form_content(value: Any) -> str | None:
    return None if isinstance(value, dict) else "is not a checklist"


ENTITIES: dict[str, EntitySchema] = {
    "visit": EntitySchema(_own_visit, {
        "system": TEXT, "trust": TEXT, "site": TEXT, "date": DATE, "visit_type": TEXT,
        "follows_visit_id": ID, "status": TEXT, "team": LIST, "people_met": LIST,
        "data_reviewed": LIST, "created_at": TEXT, "presented_report": REPORT,
        "created_report": REPORT}),
    "area": EntitySchema(_ident_id, {
        "kind": TEXT, "label": TEXT, "form_hash": SHA, "position": INT, "deleted": BOOL,
        "done": BOOL}),
    "answer": EntitySchema(_answer_id, {"value": ANY, "note": TEXT}),
    "finding": EntitySchema(_ident_id, {
        "kind": TEXT, "text": TEXT, "pathway": TEXT, "area_key": ID, "item_ids": TEXTS,
        "horizon": TEXT, "owner": TEXT, "position": INT, "deleted": BOOL,
        "created_by": TEXT, "created_at": TEXT}),
    "attachment": EntitySchema(_ident_id, {
        "sha256": SHA, "report_sha256": SHA, "area_key": ID, "item_id": ID, "caption": TEXT,
        "content_type": TEXT, "width": INT, "height": INT, "deleted": BOOL,
        "created_by": TEXT, "created_at": TEXT}),
    "form": EntitySchema(_sha_id, {"content": _form_content}, only_known_fields=True),
    "resolution": EntitySchema(_ident_id, {"resolved": _true}, only_known_fields=True),
    # The team's own ratings (null: back to the computed one) and key messages.
    "rating": EntitySchema(_answer_id, {"rag": RAG}, only_known_fields=True),
    "area_rating": EntitySchema(_ident_id, {"rag": RAG}, only_known_fields=True),
    "key_messages": EntitySchema(_own_visit, {"messages": KEY_MESSAGES},
                                 only_known_fields=True),
    "metric_day": EntitySchema(_date_id, {"row": OBJECT}),
    "metric": EntitySchema(_ident_id, {"value": OBJECT}),
    "metric_settings": EntitySchema(_ident_id, {
        "stranded": TEXT, "bank_holidays_as_weekend": BOOL, "source": TEXT}),
    # Made by the office only (OFFICE_ENTITIES): an action's status, filed under the
    # visit whose recommendation it is (entity id: the finding's id) ...
    "action": EntitySchema(_ident_id, {
        "text": TEXT, "owner": TEXT, "horizon": TEXT, "status": _nullable(_status),
        "updated": DATE, "due": DATE}),
    # ... and, programme-wide, the exemplar library and the published checklist of each
    # area kind (entity id: the area kind; its content travels as a `form` op).
    "exemplar": EntitySchema(_programme_id, {
        "title": TEXT, "what_they_do": TEXT, "system": TEXT, "area_kind": TEXT,
        "evidence": TEXT, "contact_role": TEXT, "pathway": TEXT, "tags": TEXTS,
        "deleted": BOOL}),
    "published_form": EntitySchema(_programme_id, {
        "form_hash": SHA, "form_id": ID, "version": INT, "published_at": TEXT}),
    # ... and programme-wide settings: how long tablets keep a finished visit.
    "setting": EntitySchema(_programme_id, {"days": _retention_days}),
}
# Entities only the programme office makes: the office refuses them in a push, and a
# tablet materialises them only from an op under the office's (pinned, verified) id.
OFFICE_ENTITIES = frozenset({"action", "exemplar", "published_form", "setting"})
_GENERIC = EntitySchema(_generic_id)


def form_problem(form_hash: str, content: Any) -> str | None:
    """Form content must parse as a checklist whose content hash is its id."""
    from visitapp.domain.form_schema import validate_form  # only form ops need pydantic

    try:
        form = validate_form(content)
    except Exception as err:  # pydantic's ValidationError and friends
        first = " ".join(str(err).split()).split(" For further")[0]
        return f"form {form_hash[:12]} is not a valid checklist ({first[:200]})"
    if form.content_hash != form_hash:
        return f"form {form_hash[:12]}: its content does not match its hash"
    return None


# --- the op ---------------------------------------------------------------------------------

def op_problem(op: Any) -> str | None:
    """Why this op (a JSON object as decoded) is not well formed, or None when it is."""
    if not isinstance(op, Mapping):
        return "an op is not a JSON object"
    keys = op.keys()
    if not OP_FIELDS.issuperset(keys) or not all(k in keys for k in REQUIRED):
        extra = sorted(str(k)[:30] for k in keys if k not in OP_FIELDS)
        missing = [k for k in REQUIRED if k not in keys]
        return "op fields: " + "; ".join(
            ([f"unexpected {', '.join(extra)}"] if extra else [])
            + ([f"missing {', '.join(missing)}"] if missing else []))
    for name in ("op_id", "visit_id", "device_id"):
        value = op[name]
        if not isinstance(value, str) or not _IDENT.fullmatch(value):
            return f"{name} is not an id (letters, digits and ._:- up to 64)"
    prev = op.get("prev_op_id")
    if prev is not None and (not isinstance(prev, str) or not _IDENT.fullmatch(prev)):
        return "prev_op_id is not an id"
    for name in ("seq", "hlc"):
        value = op[name]
        if type(value) is not int or not 0 <= value < MAX_INT:
            return f"{name} is not a whole number in range"
    entity, fld = op["entity"], op["field"]
    if not isinstance(entity, str) or not _NAME.fullmatch(entity):
        return "entity is not a name (a-z, 0-9, _)"
    if not isinstance(fld, str) or not _NAME.fullmatch(fld):
        return "field is not a name (a-z, 0-9, _)"
    entity_id = op["entity_id"]
    if not isinstance(entity_id, str) or not _ENTITY_ID.fullmatch(entity_id):
        return "entity_id is not text of 1 to 256 characters without control characters"
    author = op.get("author")
    if author is not None and (not isinstance(author, str) or len(author) > MAX_AUTHOR
                               or not _PLAIN.fullmatch(author)):
        return f"author is not text of at most {MAX_AUTHOR} characters without control characters"
    if type(op.get("confirmed", False)) is not bool:
        return "confirmed is not true or false"
    sig = op.get("sig")
    if sig is not None and (not isinstance(sig, str) or not SIG.fullmatch(sig)):
        return ("sig is not a signature (86 characters of base64url, then optionally . and a "
                "43-character link) or null")
    text = op["value"]
    if not isinstance(text, str):
        return "value is not JSON text"
    if len(text) > MAX_OP_BYTES // 4 and len(text.encode("utf-8")) > MAX_OP_BYTES - 1024:
        return f"the op is larger than {MAX_OP_BYTES // 1024} KiB"
    value, problem = parse_value(text)
    if problem:
        return problem
    schema = ENTITIES.get(entity, _GENERIC)
    problem = schema.entity_id(op["visit_id"], entity_id)
    if problem:
        return f"{entity}: {problem}"
    check = schema.fields.get(fld)
    if check is None:
        return f"{entity} has no field {fld}" if schema.only_known_fields else None
    problem = check(value)
    if problem:
        return f"{entity} {fld} {problem}"
    if entity == "form":
        return form_problem(entity_id, value)
    return None

"""Load checklist definitions from YAML and report every problem with its file and line.

`forms check` is used by programme office staff editing YAML by hand, so each problem is
one line: `FILE:LINE: item ITEM: what is wrong`. Pydantic checks the shape; the checks
here need the whole form (duplicate ids, `show_if` pointing forwards) or every form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from visitapp.domain.form_schema import validate_form
from visitapp.domain.forms import AnswerType, Form, Item
from visitapp.errors import FormProblems

Loc = tuple[str | int, ...]

DEFAULT_FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    subject: str | None  # "item ed.handover", "form ed", or None for the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.subject}: {self.message}" if self.subject else f"{where}: {self.message}"


def default_forms_dir() -> Path:
    return DEFAULT_FORMS_DIR


def form_files(paths: Sequence[Path] | None = None) -> list[Path]:
    """YAML files named by `paths` (files or folders), or the shipped forms."""
    paths = list(paths) if paths else [default_forms_dir()]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def check_forms(paths: Sequence[Path] | None = None) -> tuple[list[Form], list[Problem]]:
    """Load every form under `paths`; return the good forms and every problem found."""
    forms: list[tuple[Path, Form, Any]] = []
    problems: list[Problem] = []
    files = form_files(paths)
    if not files:
        problems.append(Problem(str(paths[0] if paths else DEFAULT_FORMS_DIR), None, None,
                                "no .yaml form files found"))
    for file in files:
        loaded, file_problems = _load_file(file)
        problems.extend(file_problems)
        if loaded is not None:
            forms.append((file, *loaded))
    problems.extend(_across_forms(forms))
    return [form for _, form, _ in forms], problems


def load_forms(paths: Sequence[Path] | None = None) -> list[Form]:
    """The forms under `paths`; raises FormProblems listing every problem if any."""
    forms, problems = check_forms(paths)
    if problems:
        raise FormProblems([str(p) for p in problems])
    return forms


def _load_file(file: Path) -> tuple[tuple[Form, Any] | None, list[Problem]]:
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(name, None, None, "no such file")]
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(name, None, None, f"cannot read: {err}")]
    try:
        node, data = _parse(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = getattr(err, "problem", None) or str(err).splitlines()[0]
        context, context_mark = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and context_mark is not None and context_mark.line + 1 != line:
            detail += f" ({context} that starts on line {context_mark.line + 1})"
        return None, [Problem(name, line, None, f"malformed YAML: {detail}")]
    if not isinstance(data, dict):
        return None, [Problem(name, 1, None, "a form must be a mapping with id, version, title, "
                                            "area_kind and sections")]
    try:
        form = validate_form(data)
    except ValidationError as err:
        errors = err.errors()
        # A list whose members failed also reports itself as too short: drop that echo.
        errors = [e for e in errors if not (e["type"] == "too_short" and any(
            o is not e and tuple(o["loc"])[:len(e["loc"])] == tuple(e["loc"]) for o in errors))]
        return None, [_problem_from_error(name, node, data, e) for e in errors]
    cross = [
        Problem(name, _line_of(node, loc), f"item {item_id}", message)
        for loc, item_id, message in _within_form(form)
    ]
    cross += [Problem(name, _line_of(node, ("id",)), f"form {form.id}", message)
              for message in _form_wide(form)]
    return (None if cross else (form, node)), cross


# libyaml's parser where PyYAML has it (PyPI's wheels do): about ten times the pure-Python
# one, 0.66 s -> 0.06 s for the shipped forms, paid by every process that opens a tablet.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, Any]:
    """The document's node tree (for line numbers) and its data, from one parse."""
    try:
        return _parse_with(text, _FAST_LOADER)
    except yaml.YAMLError:
        # Malformed: the pure-Python parser says what and where, in the words `forms
        # check` has always printed (libyaml words its problems differently).
        return _parse_with(text, yaml.SafeLoader)


def _parse_with(text: str, loader_class: Any) -> tuple[Any, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _problem_from_error(file: str, node: Any, data: Any, error: Any) -> Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    field = loc[-1] if loc else None
    if kind == "missing":
        message = f"missing field '{field}'"
        line = _line_of(node, loc[:-1])
    elif kind == "extra_forbidden":
        message = f"unknown field '{field}'"
        line = _line_of(node, loc, key_line=True)
    elif kind == "enum" and field == "type":
        allowed = ", ".join(t.value for t in AnswerType)
        message = f"unknown answer type {error['input']!r} (expected one of: {allowed})"
        line = _line_of(node, loc)
    else:
        msg = error["msg"].removeprefix("Value error, ")
        message = f"{_field_path(loc)}: {msg}" if _field_path(loc) else msg
        line = _line_of(node, loc)
    return Problem(file, line, _subject(data, loc), message)


def _field_path(loc: Loc) -> str:
    """The part of a location below the nearest item or section, as `show_if.item`."""
    tail: list[str] = []
    for part in reversed(loc):
        if isinstance(part, int):
            break
        tail.append(str(part))
    return ".".join(reversed(tail))


def _subject(data: Any, loc: Loc) -> str | None:
    """Name the item (or section, or form) a location falls in, from the raw data."""
    try:
        if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "items":
            raw = data["sections"][loc[1]]["items"][loc[3]]
            item_id = raw.get("id") if isinstance(raw, dict) else None
            return f"item {item_id}" if item_id else f"item #{int(loc[3]) + 1} of section #{int(loc[1]) + 1}"
        if len(loc) >= 2 and loc[0] == "sections":
            raw = data["sections"][loc[1]]
            sid = raw.get("id") if isinstance(raw, dict) else None
            return f"section {sid}" if sid else f"section #{int(loc[1]) + 1}"
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    form_id = data.get("id") if isinstance(data, dict) else None
    return f"form {form_id}" if form_id else None


def _line_of(node: Any, loc: Iterable[str | int], key_line: bool = False) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of the deepest ancestor found."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    loc = tuple(loc)
    for depth, part in enumerate(loc):
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    last = depth == len(loc) - 1
                    child = key_node if key_line and last else value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
        if child is None:
            return line
        node = child
        line = node.start_mark.line + 1
    return line


def _within_form(form: Form) -> list[tuple[Loc, str, str]]:
    """Problems that need the whole form: duplicate ids and `show_if` references."""
    problems: list[tuple[Loc, str, str]] = []
    seen: dict[str, Item] = {}
    for si, section in enumerate(form.sections):
        for ii, item in enumerate(section.items):
            here: Loc = ("sections", si, "items", ii)
            if item.id in seen:
                problems.append((here + ("id",), item.id, "duplicate item id"))
            cond = item.show_if
            if cond is not None:
                target = seen.get(cond.item)
                if cond.item == item.id:
                    problems.append((here + ("show_if", "item"), item.id,
                                     "show_if names the item itself"))
                elif target is None:
                    where = "a later item" if form.item(cond.item) else "no such item"
                    problems.append((here + ("show_if", "item"), item.id,
                                     f"show_if names {cond.item!r}: {where}; it must name an "
                                     "earlier item"))
                else:
                    bad = _bad_show_if_values(target, cond.expected_values(), cond.includes)
                    if bad:
                        problems.append((here + ("show_if",), item.id, bad))
            seen.setdefault(item.id, item)
    return problems


MAX_CRITICAL_SHARE = 1 / 3  # more than this and "critical" stops meaning anything


def _form_wide(form: Form) -> list[str]:
    """Problems of the form as a whole: too many items marked critical."""
    rated = form.rated_items
    critical = [i.id for i in rated if i.critical]
    if rated and len(critical) > len(rated) * MAX_CRITICAL_SHARE:
        return [f"{len(critical)} of its {len(rated)} rated items are critical "
                f"({', '.join(critical)}); at most a third may be"]
    return []


def _bad_show_if_values(target: Item, values: list[Any], includes: str | None) -> str | None:
    """Why a condition's values can never match the target item's answers, or None."""
    from visitapp.domain.values import parse_value  # values imports forms; avoid a cycle

    if target.type is AnswerType.MULTI_CHOICE:
        if includes is None:
            return (f"{target.id} is multi_choice: its answer is a list, so use "
                    "`includes: OPTION` rather than equals or in")
    elif includes is not None:
        return f"show_if uses includes, but {target.id} is {target.type.value}, not multi_choice"
    for value in values:
        try:
            canonical = parse_value(target, value if target.type is AnswerType.MULTI_CHOICE
                                    else str(value))
        except ValueError as err:
            return f"show_if value {value!r} can never match {target.id}: {err}"
        if target.type is AnswerType.MULTI_CHOICE:
            continue
        if str(canonical) != str(value):  # ShowIf.matches compares numbers by value
            return (f"show_if value {value!r} can never match: {target.id} stores it as "
                    f"{canonical!r}; write that instead")
    return None


def _across_forms(forms: list[tuple[Path, Form, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, Path] = {}
    by_kind: dict[str, Path] = {}
    for file, form, node in forms:
        line = _line_of(node, ("id",))
        if form.id in by_id:
            problems.append(Problem(str(file), line, f"form {form.id}",
                                    f"form id already used by {by_id[form.id]}"))
        by_id.setdefault(form.id, file)
        if form.area_kind in by_kind:
            problems.append(Problem(str(file), _line_of(node, ("area_kind",)), f"form {form.id}",
                                    f"area kind {form.area_kind} already has a form in "
                                    f"{by_kind[form.area_kind]}"))
        by_kind.setdefault(form.area_kind, file)
    return problems

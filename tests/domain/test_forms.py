"""The shipped checklists are valid and complete; every kind of bad form is refused."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from visitapp.domain import form_loading
from visitapp.domain.form_loading import check_forms, form_files
from visitapp.domain.forms import AREA_KINDS, AnswerType

REPO = Path(__file__).resolve().parents[2]

GOOD_ITEM = """\
      - id: {id}
        prompt: Is the thing in place?
        type: {type}
        guidance: Look for it on the wall.
        tags: [flow]
"""


def write_form(folder: Path, body: str, name: str = "bad.yaml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def form_text(items: str, header: str = "") -> str:
    return (
        "id: test-form\nversion: 1\ntitle: Test\narea_kind: emergency_department\n" + header
        + "sections:\n  - id: main\n    title: Main\n    items:\n" + items
    )


def test_every_shipped_form__is_valid():
    forms, problems = check_forms()
    assert problems == []
    assert {f.area_kind for f in forms} == set(AREA_KINDS)


def test_shipped_forms__have_enough_items_with_ids_types_and_guidance():
    forms, _ = check_forms()
    assert all(len(f.items) >= 8 for f in forms), {f.id: len(f.items) for f in forms}
    assert sum(len(f.items) for f in forms) >= 80
    used = Counter(item.type for f in forms for item in f.items)
    assert set(used) == set(AnswerType)
    ed = next(f for f in forms if f.area_kind == "emergency_department")
    assert {i.type for i in ed.items} == set(AnswerType)
    assert any(i.show_if for i in ed.items)
    with_thresholds = [i for f in forms for i in f.items if i.thresholds]
    assert len(with_thresholds) >= 10
    assert all(i.source for i in with_thresholds)


def test_item_ids__are_unique_across_all_forms():
    forms, _ = check_forms()
    ids = [i.id for f in forms for i in f.items]
    assert len(ids) == len(set(ids))


BAD_FORMS = {
    "malformed YAML": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no") + "      - id: [unclosed\n"),
        "bad.yaml:15: malformed YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence that starts on line 14)",
    ),
    "missing field": (
        form_text("      - id: a.one\n        type: yes_no\n        guidance: Look.\n"
                  "        tags: [flow]\n"),
        "bad.yaml:9: item a.one: missing field 'prompt'",
    ),
    "unknown answer type": (
        form_text(GOOD_ITEM.format(id="a.one", type="ragg")),
        "bad.yaml:11: item a.one: unknown answer type 'ragg'",
    ),
    "duplicate item id": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no") + GOOD_ITEM.format(id="a.one", type="rag")),
        "bad.yaml:14: item a.one: duplicate item id",
    ),
    "show_if naming a missing item": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no")
                  + GOOD_ITEM.format(id="a.two", type="text")
                  + "        show_if: {item: a.nope, equals: \"yes\"}\n"),
        "bad.yaml:19: item a.two: show_if names 'a.nope': no such item",
    ),
    "show_if naming a later item": (
        form_text(GOOD_ITEM.format(id="a.one", type="text")
                  + "        show_if: {item: a.two, equals: \"yes\"}\n"
                  + GOOD_ITEM.format(id="a.two", type="yes_no")),
        "bad.yaml:14: item a.one: show_if names 'a.two': a later item",
    ),
    "thresholds on a non-numeric item": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no")
                  + "        source: Somewhere\n"
                  + "        thresholds: {better: higher, green: 95, amber: 90}\n"),
        "bad.yaml:9: item a.one: thresholds are only for count, duration or percent items",
    ),
    "unquoted yes in show_if": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no")
                  + GOOD_ITEM.format(id="a.two", type="text")
                  + "        show_if: {item: a.one, equals: yes}\n"),
        "item a.two: show_if.equals: YAML reads an unquoted yes",
    ),
    "show_if value that can never match": (
        form_text(GOOD_ITEM.format(id="a.one", type="count").replace("tags", "unit: patients\n        tags")
                  + GOOD_ITEM.format(id="a.two", type="text")
                  + "        show_if: {item: a.one, equals: \"lots\"}\n"),
        "item a.two: show_if value 'lots' can never match a.one",
    ),
    "unknown field": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no") + "        colour: red\n"),
        "bad.yaml:14: item a.one: unknown field 'colour'",
    ),
    "unknown tag": (
        form_text(GOOD_ITEM.format(id="a.one", type="yes_no").replace("[flow]", "[dischrage]")),
        "item a.one: tags: unknown tag(s) dischrage",
    ),
    "choice item without options": (
        form_text(GOOD_ITEM.format(id="a.one", type="single_choice")),
        "item a.one: a single_choice item needs options",
    ),
    "not a mapping": ("- just\n- a list\n", "bad.yaml:1: a form must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_FORMS))
def test_bad_form__is_refused_with_file_line_item_and_reason(case, tmp_path):
    body, expected = BAD_FORMS[case]
    path = write_form(tmp_path, body)
    forms, problems = check_forms([path])
    assert forms == []
    messages = [str(p) for p in problems]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(path)) for m in messages)


def test_two_forms_for_one_area_kind__are_refused(tmp_path):
    body = form_text(GOOD_ITEM.format(id="a.one", type="yes_no"))
    write_form(tmp_path, body, "one.yaml")
    write_form(tmp_path, body.replace("id: test-form", "id: other-form"), "two.yaml")
    _, problems = check_forms([tmp_path])
    assert any("area kind emergency_department already has a form" in str(p) for p in problems)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "visitapp.cli.main", *args],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=60)


def test_forms_check_cli__passes_the_shipped_forms():
    result = run_cli("forms", "check")
    assert result.returncode == 0, result.stderr
    assert "all valid" in result.stderr


def test_forms_check_cli__exits_1_with_one_line_per_problem_and_no_traceback(tmp_path):
    write_form(tmp_path, BAD_FORMS["unknown answer type"][0], "one.yaml")
    write_form(tmp_path, BAD_FORMS["duplicate item id"][0].replace("test-form", "f2")
               .replace("emergency_department", "discussion"), "two.yaml")
    result = run_cli("forms", "check", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(str(tmp_path / "one.yaml") + ":11:")


def test_forms_check_cli__names_a_missing_file(tmp_path):
    result = run_cli("forms", "check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}: no such file"


def test_form_files__lists_yaml_in_a_folder(tmp_path):
    write_form(tmp_path, "x", "a.yaml")
    write_form(tmp_path, "x", "notes.txt")
    assert form_files([tmp_path]) == [tmp_path / "a.yaml"]


def _node_marks(node, out):
    out.append((type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _node_marks(key, out)
            _node_marks(value, out)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _node_marks(child, out)
    return out


@pytest.mark.parametrize("path", form_files(), ids=lambda p: p.name)
def test_fast_yaml_parser__reads_each_shipped_form_as_the_pure_python_one(path):
    """Forms are parsed by libyaml (ten times faster); the lines `forms check` prints come
    from its node tree, so it must place every node where the pure-Python parser does."""
    text = path.read_text(encoding="utf-8")
    assert form_loading._FAST_LOADER is yaml.CSafeLoader  # PyPI's PyYAML wheels have it
    fast_node, fast_data = form_loading._parse(text)
    pure_node, pure_data = form_loading._parse_with(text, yaml.SafeLoader)
    assert fast_data == pure_data
    assert _node_marks(fast_node, []) == _node_marks(pure_node, [])

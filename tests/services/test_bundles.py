"""Visit bundles: export -> import on another tablet, idempotence, and refusing bad files whole."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import open_test_services
from visitapp.errors import BadBundle
from visitapp.services import bundles
from visitapp.services.app import Services
from visitapp.services.bundles import export_visit, import_visit
from visitapp.services.demo import EXAMPLE_DATE, create_demo_visit
from visitapp.services.visit_json import visit_to_json

VISITAPP = Path(sys.executable).parent / "visitapp"


# --- helpers ---------------------------------------------------------------------------

def op_count(services: Services) -> int:
    with services.db.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]


def snapshot(services: Services) -> tuple[Any, ...]:
    """Everything an import could touch: ops, state rows, blob rows and files."""
    with services.db.read() as conn:
        counts = tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                       for t in ("ops", "field_clock", "visits", "areas", "answers",
                                 "findings", "attachments", "blobs", "form_versions"))
    root = services.blobs.root
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []
    return counts, files


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_members(path: Path, members: dict[str, bytes] | list[tuple[str, bytes]],
                  fix_manifest: bool = False) -> Path:
    """Write a zip of these members; with fix_manifest, make the checksums agree again."""
    items = list(members.items()) if isinstance(members, dict) else list(members)
    if fix_manifest:
        manifest = json.loads(dict(items)["manifest.json"])
        for name, data in items:
            if name in manifest["files"]:
                manifest["files"][name].update(sha256=hashlib.sha256(data).hexdigest(),
                                               size=len(data))
        ops = dict(items).get("ops.jsonl", b"")
        manifest["counts"]["ops"] = len(ops.splitlines())
        items = [(n, json.dumps(manifest).encode() if n == "manifest.json" else d)
                 for n, d in items]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on a duplicate name: we want one
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                zf.writestr(name, data)
    return path


def edit_ops(members: dict[str, bytes], change: Any) -> dict[str, bytes]:
    """Apply `change(list_of_op_dicts)` to ops.jsonl."""
    ops = [json.loads(line) for line in members["ops.jsonl"].decode().splitlines()]
    change(ops)
    text = "".join(json.dumps(op) + "\n" for op in ops)
    return {**members, "ops.jsonl": text.encode()}


def data_offset(path: Path, member: str) -> tuple[int, int]:
    """Where a member's (compressed) bytes start in the file, and how many there are."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def flip(path: Path, offset: int, out: Path) -> Path:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x55
    out.write_bytes(bytes(raw))
    return out


@pytest.fixture(scope="module")
def shared_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    """One demo visit exported once per module: (bundle, visit id, its visit_to_json)."""
    folder = tmp_path_factory.mktemp("exporter")
    tablet = open_test_services(folder / "tablet.db")
    try:
        vid = create_demo_visit(tablet, EXAMPLE_DATE)
        path = export_visit_to(tablet, vid, folder / "visit.zip")
        return path, vid, visit_to_json(tablet.visits.load(vid))
    finally:
        tablet.close()


@pytest.fixture
def bundle(shared_bundle: tuple[Path, str, dict[str, Any]], tmp_path: Path) -> Path:
    """A fresh copy of the demo bundle, for tests that only read it or damage a copy."""
    path = tmp_path / "out" / "visit.zip"
    path.parent.mkdir()
    shutil.copyfile(shared_bundle[0], path)
    return path


@pytest.fixture
def own_bundle(services: Services, demo_visit_id: str, tmp_path: Path) -> Path:
    """The demo visit of the `services` tablet, exported: for tests that edit it further."""
    return export_visit_to(services, demo_visit_id, tmp_path / "out" / "visit.zip")


@pytest.fixture
def busy_other(other_services: Services) -> Services:
    """The second tablet, already holding a visit of its own (so 'unchanged' means something)."""
    vid = other_services.visits.create_visit(
        system="Lakeside ICS (test)", date="2026-11-20", visit_type="exemplar",
        areas=[("emergency_department", "ED")])
    key = other_services.visits.load(vid).areas[0].key
    item = other_services.visits.load(vid).areas[0].form.items[0]
    other_services.visits.answer(vid, key, item.id, _some_value(item))
    return other_services


def _some_value(item: Any) -> str:
    return {"rag": "green", "yes_no": "yes", "yes_no_partial": "partial", "count": "3",
            "duration": "45", "percent": "80", "time_of_day": "08:30", "text": "Seen on the day",
            }.get(item.type.value, item.option_ids[0] if item.option_ids else "yes")


def assert_refused(services: Services, path: Path, *words: str) -> str:
    before = snapshot(services)
    with pytest.raises(BadBundle) as caught:
        import_visit(services, path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    assert snapshot(services) == before
    return message


# --- round trip ------------------------------------------------------------------------

def test_bundle_layout(own_bundle: Path, services: Services, demo_visit_id: str) -> None:
    members = read_members(own_bundle)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == bundles.FORMAT and manifest["version"] == bundles.VERSION
    assert manifest["visit_id"] == demo_visit_id
    assert manifest["device_id"] == services.db.device_id
    assert set(members) == {"manifest.json", *manifest["files"]}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(members[name]).hexdigest() == entry["sha256"]
        assert len(members[name]) == entry["size"]
    ops = [json.loads(line) for line in members["ops.jsonl"].decode().splitlines()]
    assert len(ops) == manifest["counts"]["ops"] == op_count(services)
    assert [(o["hlc"], o["device_id"]) for o in ops] == sorted((o["hlc"], o["device_id"])
                                                               for o in ops)
    assert any(o["entity"] == "form" for o in ops)  # the checklists travel with the visit
    state = services.visits.load(demo_visit_id)
    shas = {s for a in state.attachments for s in (a.sha256, a.report_sha256) if s}
    assert shas and {f"blobs/{s}" for s in shas} == {n for n in members if n.startswith("blobs/")}
    assert not list(own_bundle.parent.glob(".*part"))  # no temp file left behind


def test_export_then_import_gives_the_same_visit(
        own_bundle: Path, services: Services, other_services: Services, demo_visit_id: str) -> None:
    summary = import_visit(other_services, own_bundle)
    assert "new change" in summary
    mine = visit_to_json(services.visits.load(demo_visit_id))
    theirs = visit_to_json(other_services.visits.load(demo_visit_id))
    assert theirs == mine
    assert mine["attachments"]
    for photo in mine["attachments"]:
        for sha in (photo["sha256"], photo["report_sha256"]):
            assert other_services.blobs.read(sha) == services.blobs.read(sha)
    assert op_count(other_services) == op_count(services)


def test_second_import_changes_nothing(
        own_bundle: Path, other_services: Services, demo_visit_id: str) -> None:
    import_visit(other_services, own_bundle)
    before = (snapshot(other_services), visit_to_json(other_services.visits.load(demo_visit_id)))
    summary = import_visit(other_services, own_bundle)
    total = op_count(other_services)
    assert summary.startswith(f"visit {demo_visit_id[:8]}: 0 new changes, {total} already here")
    assert "nothing changed" in summary
    after = (snapshot(other_services), visit_to_json(other_services.visits.load(demo_visit_id)))
    assert after == before


def test_import_back_into_the_exporting_tablet_changes_nothing(
        own_bundle: Path, services: Services, demo_visit_id: str) -> None:
    before = snapshot(services)
    assert "0 new changes" in import_visit(services, own_bundle)
    assert snapshot(services) == before


def test_deleted_photos_do_not_travel(
        services: Services, other_services: Services, demo_visit_id: str, tmp_path: Path) -> None:
    photo = services.visits.load(demo_visit_id).attachments[0]
    services.attachments.delete(demo_visit_id, photo.id)
    path = export_visit_to(services, demo_visit_id, tmp_path / "v.zip")
    names = set(read_members(path))
    assert f"blobs/{photo.sha256}" not in names
    import_visit(other_services, path)
    assert not other_services.blobs.has(photo.sha256)
    assert visit_to_json(other_services.visits.load(demo_visit_id)) == \
        visit_to_json(services.visits.load(demo_visit_id))


def export_visit_to(services: Services, visit_id: str, path: Path) -> Path:
    export_visit(services, visit_id, path)
    return path


def test_edits_on_both_tablets_converge(
        own_bundle: Path, services: Services, other_services: Services, demo_visit_id: str,
        tmp_path: Path) -> None:
    a, b, vid = services, other_services, demo_visit_id
    import_visit(b, own_bundle)
    area = a.visits.load(vid).areas[0]
    counted = [i for i in area.form.items if i.type.value == "count"]
    rag_items = [i for i in area.form.items if i.type.value == "rag"]
    text_items = [i for i in area.form.items if i.type.value == "text"]
    # The same item answered differently on each tablet: last writer wins, on both.
    a.visits.answer(vid, area.key, counted[0].id, "4", author="Alex Morgan")
    time.sleep(0.005)  # a later wall-clock millisecond: in the same one, device id decides
    b.visits.answer(vid, area.key, counted[0].id, "9", author="Priya Nair")
    # Different items on each, a cleared answer, findings added and deleted, a new area.
    a.visits.answer(vid, area.key, rag_items[0].id, "R")
    b.visits.clear_answer(vid, area.key, text_items[0].id)
    b.visits.set_note(vid, area.key, rag_items[0].id, "Board in the corridor was out of date.")
    a.visits.add_finding(vid, kind="next_step", text="Share the draft letter by Friday.")
    doomed = b.visits.load(vid).findings[0]
    b.visits.delete_finding(vid, doomed.id)
    b.visits.add_area(vid, "inpatient_ward", "Ward 3 (frailty)")
    a.visits.update_visit(vid, status="feedback_given")

    a_to_b = export_visit_to(a, vid, tmp_path / "a.zip")
    b_to_a = export_visit_to(b, vid, tmp_path / "b.zip")
    import_visit(b, a_to_b)
    import_visit(a, b_to_a)
    mine, theirs = visit_to_json(a.visits.load(vid)), visit_to_json(b.visits.load(vid))
    assert mine == theirs
    answers = {(x["area_key"], x["item_id"]): x for x in mine["answers"]}
    assert answers[(area.key, counted[0].id)]["value"] == 9  # b's edit was later
    assert answers[(area.key, rag_items[0].id)]["value"] == "red"
    assert answers[(area.key, rag_items[0].id)]["note"].startswith("Board")
    assert doomed.id not in {f["id"] for f in mine["findings"]}
    assert "Ward 3 (frailty)" in {x["label"] for x in mine["areas"]}
    assert mine["status"] == "feedback_given"
    # And exchanging again is a no-op both ways.
    assert "0 new changes" in import_visit(a, export_visit_to(b, vid, tmp_path / "b2.zip"))
    assert "0 new changes" in import_visit(b, export_visit_to(a, vid, tmp_path / "a2.zip"))


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["ops.jsonl", "manifest.json", "blob"])
def test_a_flipped_byte_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path, member: str) -> None:
    if member == "blob":
        member = next(n for n in read_members(bundle) if n.startswith("blobs/"))
    start, size = data_offset(bundle, member)
    bad = flip(bundle, start + size // 2, tmp_path / "flipped.zip")
    assert_refused(busy_other, bad)


def test_a_flipped_byte_anywhere_is_refused_or_harmless(
        shared_bundle: tuple[Path, str, dict[str, Any]], tmp_path: Path) -> None:
    """Wherever the damage is, import either refuses the file or gets the visit exactly."""
    own_bundle, demo_visit_id, expected = shared_bundle
    size = own_bundle.stat().st_size
    offsets = sorted({*range(0, size, max(1, size // 24)), size - 1, size - 10, size - 22})
    for n, offset in enumerate(offsets):
        bad = flip(own_bundle, offset, tmp_path / f"flip{n}.zip")
        tablet = open_test_services(tmp_path / f"t{n}" / "tablet.db")
        try:
            try:
                import_visit(tablet, bad)
            except BadBundle as err:
                assert "\n" not in str(err)
                assert op_count(tablet) == 0
            else:
                assert visit_to_json(tablet.visits.load(demo_visit_id)) == expected
        finally:
            tablet.close()


@pytest.mark.parametrize("keep", [0.5, 0.9, -1, -22])
def test_a_truncated_bundle_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path, keep: float) -> None:
    raw = bundle.read_bytes()
    cut = int(len(raw) * keep) if keep > 0 else len(raw) + int(keep)
    bad = tmp_path / "short.zip"
    bad.write_bytes(raw[:cut])
    assert_refused(busy_other, bad)


@pytest.mark.parametrize("content", [b"", b"visit,answers\n1,2\n", b"PK\x03\x04 not really"])
def test_a_file_that_is_not_a_zip_is_refused(
        busy_other: Services, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "notes.zip"
    bad.write_bytes(content)
    assert_refused(busy_other, bad, "not a visit bundle")


def test_a_missing_bundle_file_is_refused(busy_other: Services, tmp_path: Path) -> None:
    assert_refused(busy_other, tmp_path / "nowhere.zip", "no such file")


def test_a_checksum_mismatch_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    members = read_members(bundle)

    def change_an_answer(ops: list[dict[str, Any]]) -> None:
        op = next(o for o in ops if o["entity"] == "answer" and o["field"] == "value")
        op["value"] = json.dumps("red")

    bad = write_members(tmp_path / "altered.zip", edit_ops(members, change_an_answer))
    assert_refused(busy_other, bad, "ops.jsonl", "checksum")


def test_a_manifest_checksum_that_is_wrong_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    members = read_members(bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["ops.jsonl"]["sha256"] = "0" * 64
    bad = write_members(tmp_path / "m.zip",
                        {**members, "manifest.json": json.dumps(manifest).encode()})
    assert_refused(busy_other, bad, "ops.jsonl", "checksum")


def test_an_op_of_another_visit_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    other_visit = busy_other.visits.list_visits()[0]["id"]
    members = read_members(bundle)

    def smuggle(ops: list[dict[str, Any]]) -> None:
        ops.append({**ops[-1], "op_id": "0f2c5e4e-6f0c-4c8e-9b7b-000000000001",
                    "visit_id": other_visit, "hlc": ops[-1]["hlc"] + 1})

    bad = write_members(tmp_path / "smuggled.zip", edit_ops(members, smuggle), fix_manifest=True)
    message = assert_refused(busy_other, bad, "ops.jsonl line", other_visit)
    assert f"line {len(members['ops.jsonl'].splitlines()) + 1}" in message


def test_a_visit_entity_of_another_visit_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    other_visit = busy_other.visits.list_visits()[0]["id"]

    def retarget(ops: list[dict[str, Any]]) -> None:
        op = next(o for o in ops if o["entity"] == "visit" and o["field"] == "system")
        op["entity_id"] = other_visit

    bad = write_members(tmp_path / "v.zip", edit_ops(read_members(bundle), retarget),
                        fix_manifest=True)
    assert_refused(busy_other, bad, other_visit)


def test_a_finding_id_of_another_visit_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    """Findings and photos are keyed by id alone: a bundle must not reach into another visit."""
    other_visit = busy_other.visits.list_visits()[0]["id"]
    theirs = busy_other.visits.add_finding(other_visit, kind="strength", text="Calm, tidy unit.")

    def retarget(ops: list[dict[str, Any]]) -> None:
        for op in ops:
            if op["entity"] == "finding":
                op["entity_id"] = theirs
                break

    bad = write_members(tmp_path / "f.zip", edit_ops(read_members(bundle), retarget),
                        fix_manifest=True)
    assert_refused(busy_other, bad, theirs, "another visit")
    assert busy_other.visits.load(other_visit).findings[0].text == "Calm, tidy unit."


def test_a_missing_member_is_refused(bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    members = read_members(bundle)
    blob = next(n for n in members if n.startswith("blobs/"))
    del members[blob]
    assert_refused(busy_other, write_members(tmp_path / "nophoto.zip", members),
                   blob, "missing")
    members = read_members(bundle)
    del members["ops.jsonl"]
    assert_refused(busy_other, write_members(tmp_path / "noops.zip", members), "ops.jsonl")
    members = read_members(bundle)
    del members["manifest.json"]
    assert_refused(busy_other, write_members(tmp_path / "nomanifest.zip", members),
                   "manifest.json")


@pytest.mark.parametrize("name", ["../evil.txt", "blobs/../../evil", "/etc/evil",
                                  "blobs/" + "A" * 64, "notes.txt", "blobs/"])
def test_unexpected_member_names_are_refused(
        bundle: Path, busy_other: Services, tmp_path: Path, name: str) -> None:
    members = {**read_members(bundle), name: b"surprise"}
    bad = write_members(tmp_path / "extra.zip", members)
    assert_refused(busy_other, bad, "unexpected file")
    assert not (tmp_path / "evil.txt").exists() and not Path("/etc/evil").exists()


def test_a_member_twice_is_refused(bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    members = read_members(bundle)
    items = [*members.items(), ("ops.jsonl", members["ops.jsonl"])]
    assert_refused(busy_other, write_members(tmp_path / "twice.zip", items), "twice")


def test_an_oversized_member_is_refused_before_it_is_read(
        bundle: Path, busy_other: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundles, "MAX_BLOB_BYTES", 1000)
    assert_refused(busy_other, bundle, "too large")


def test_a_zip_bomb_is_refused(busy_other: Services, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundles, "MAX_TOTAL_BYTES", 10 * 1024 * 1024)
    bad = write_members(tmp_path / "bomb.zip", {"manifest.json": b"{}",
                                                "ops.jsonl": b"\n" * (11 * 1024 * 1024)})
    assert bad.stat().st_size < 100_000
    assert_refused(busy_other, bad, "too")


@pytest.mark.parametrize("change, words", [
    (lambda m: m.update(version=2), ("version 2", "newer")),
    (lambda m: m.update(format="something-else"), ("format",)),
    (lambda m: m.pop("visit_id"), ("visit_id",)),
    (lambda m: m["counts"].update(ops=1), ("manifest says 1",)),
    (lambda m: m["files"].update({"../x": {"sha256": "0" * 64, "size": 1}}), ("unexpected",)),
])
def test_a_bad_manifest_is_refused(bundle: Path, busy_other: Services, tmp_path: Path,
                                   change: Any, words: tuple[str, ...]) -> None:
    members = read_members(bundle)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    bad = write_members(tmp_path / "manifest.zip",
                        {**members, "manifest.json": json.dumps(manifest).encode()})
    assert_refused(busy_other, bad, *words)


def test_manifest_that_is_not_json_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    bad = write_members(tmp_path / "m.zip", {**read_members(bundle), "manifest.json": b"{nope"})
    assert_refused(busy_other, bad, "manifest.json", "JSON")


@pytest.mark.parametrize("change, words", [
    (lambda op: op.pop("hlc"), ("missing hlc",)),
    (lambda op: op.update(hlc="12"), ("hlc",)),
    (lambda op: op.update(seq=-1), ("seq",)),
    (lambda op: op.update(confirmed=1), ("confirmed",)),
    (lambda op: op.update(value="{not json"), ("value",)),
    (lambda op: op.update(op_id=None), ("op_id",)),
    (lambda op: op.update(colour="red"), ("unexpected 'colour'",)),
])
def test_a_malformed_op_is_refused(bundle: Path, busy_other: Services, tmp_path: Path,
                                   change: Any, words: tuple[str, ...]) -> None:
    bad = write_members(tmp_path / "op.zip",
                        edit_ops(read_members(bundle), lambda ops: change(ops[5])),
                        fix_manifest=True)
    assert_refused(busy_other, bad, "ops.jsonl line 6", *words)


def test_a_form_that_does_not_match_its_hash_is_refused(
        bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    def tamper(ops: list[dict[str, Any]]) -> None:
        op = next(o for o in ops if o["entity"] == "form")
        content = json.loads(op["value"])
        content["title"] = "Something else"
        op["value"] = json.dumps(content)

    bad = write_members(tmp_path / "form.zip", edit_ops(read_members(bundle), tamper),
                        fix_manifest=True)
    assert_refused(busy_other, bad, "does not match its hash")


def test_a_duplicate_op_is_refused(bundle: Path, busy_other: Services, tmp_path: Path) -> None:
    bad = write_members(tmp_path / "dup.zip",
                        edit_ops(read_members(bundle), lambda ops: ops.append(dict(ops[3]))),
                        fix_manifest=True)
    assert_refused(busy_other, bad, "appears twice")


def test_export_of_an_unknown_visit_writes_nothing(services: Services, tmp_path: Path) -> None:
    from visitapp.errors import NotFound

    with pytest.raises(NotFound):
        export_visit(services, "no-such-visit", tmp_path / "x.zip")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".x.zip", "x.zip"))]


# --- the command line ------------------------------------------------------------------

def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VISITAPP), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_cli_round_trip(tmp_path: Path) -> None:
    a, b, f = tmp_path / "a" / "t.db", tmp_path / "b" / "t.db", tmp_path / "f.zip"
    made = run("--db", a, "demo")
    assert made.returncode == 0, made.stderr
    vid = made.stdout.strip()
    exported = run("--db", a, "export", vid, "-o", f)
    assert exported.returncode == 0, exported.stderr
    assert f.is_file()
    first = run("--db", b, "import", f)
    assert first.returncode == 0, first.stderr
    assert "new change" in first.stderr
    again = run("--db", b, "import", f)
    assert again.returncode == 0 and "0 new changes" in again.stderr
    shown_a = run("--db", a, "visits", "show", vid, "--json")
    shown_b = run("--db", b, "visits", "show", vid, "--json")
    assert shown_a.returncode == shown_b.returncode == 0
    assert json.loads(shown_a.stdout) == json.loads(shown_b.stdout)

    raw = bytearray(f.read_bytes())
    start, size = data_offset(f, "ops.jsonl")
    raw[start + size // 2] ^= 0x55
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(raw))
    refused = run("--db", b, "import", corrupt)
    assert refused.returncode == 1
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and str(corrupt) in lines[0], refused.stderr
    assert "Traceback" not in refused.stderr
    missing = run("--db", b, "import", tmp_path / "nowhere.zip")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1

"""A realistic demo visit: a fictional system, several areas (two wards), most items
answered from a scripted story (`demo_scenario`), findings of every kind citing the
answers they rest on, notes, twelve weeks of daily figures and a few generated photos.
No patient data: every figure is a count or a time, every note is about services.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from PIL import Image, ImageDraw

from visitapp.domain.forms import AREA_KINDS, AnswerType, Item
from visitapp.domain.indicators import DailyRow
from visitapp.domain.visit import FindingKind, Horizon, Pathway, PeopleMet, TeamMember
from visitapp.services import demo_scenario as scenario
from visitapp.services.app import Services
from visitapp.services.attachments import REPORT_LONG_SIDE

DEMO_SYSTEM = "Riverside Health and Care Partnership (demo)"
# The date the README pictures, the benchmarks and the tests give the demo, so that what
# they show and measure is the same on every day they run.
EXAMPLE_DATE = date(2026, 11, 27)

TEAM = [
    TeamMember("Alex Morgan", "Visit lead, improvement director"),
    TeamMember("Dr Priya Nair", "ED consultant"),
    TeamMember("Chris Okafor", "Acute medicine nurse consultant"),
    TeamMember("Jo Whitfield", "Adult social care lead (ADASS)"),
    TeamMember("Sam Lee", "Data analyst"),
]

AREAS = [
    ("emergency_department", "Emergency Department"),
    ("acute_medical_unit", "AMU and SDEC"),
    ("surgical_assessment_unit", "Surgical assessment unit"),
    ("inpatient_ward", "Ward 7 (medical)"),
    ("inpatient_ward", "Ward 12 (surgical)"),
    ("support_services", "Support services"),
    ("site_management", "Site and bed management"),
    ("discharge_hub", "Transfer of care hub"),
    ("out_of_hospital", "Community and social care"),
    ("discussion", "Challenges and barriers"),
]

# The answers, notes and findings are a scripted story: see demo_scenario.
FINDINGS = scenario.FINDINGS

PHOTOS = [
    (0, "Front door streaming signage (no people in view)", (0, 94, 184)),
    (3, "Ward 7 discharge planning board layout, blank template only", (0, 127, 59)),
    (7, "Transfer of care hub room set-up", (255, 184, 28)),
]


def create_demo_visit(services: Services, on: date, seed: int = 2018, photos: bool = True,
                      data: bool = True) -> str:
    """Create the demo visit dated `on` and return its id.

    Everything in it follows from `on` and `seed` (answers, findings, the twelve weeks of
    figures ending the day before, the photos' bytes), so one date gives the same demo
    every time, on every machine, apart from the ids the store makes.
    """
    rng = random.Random(seed)
    today = on.isoformat()
    author = TEAM[0].name
    visits = services.visits
    visit_id = visits.create_visit(
        system=DEMO_SYSTEM,
        trust="Riverside University Hospitals NHS Trust (demo)",
        site="Riverside General Hospital (demo)",
        date=today,
        visit_type="diagnostic",
        team=TEAM,
        people_met=[PeopleMet("ED consultants", 3), PeopleMet("Ward managers", 4),
                    PeopleMet("Discharge coordinators", 2), PeopleMet("Social workers", 2),
                    PeopleMet("Site managers", 1), PeopleMet("Executive team", 5)],
        data_reviewed=["A&E attendances and 4-hour performance, last 12 months",
                       "Daily SitRep: ambulance handovers, occupancy",
                       "Stranded and super-stranded census, last 8 weeks",
                       "Discharges by day of week and hour"],
        areas=AREAS,
        author=author,
    )
    areas = visits.load(visit_id).areas
    for index, (area, answers) in enumerate(zip(areas, scenario.ANSWERS, strict=True)):
        member = TEAM[index % len(TEAM)].name
        for item_id, value in answers.items():
            visits.answer(visit_id, area.key, item_id, value, author=member)
            note = scenario.NOTES.get((index, item_id))
            if note:
                visits.set_note(visit_id, area.key, item_id, note, author=member)
    for f in FINDINGS:
        area = areas[f["area"]] if f["area"] is not None else None
        visits.add_finding(
            visit_id, kind=f["kind"], text=f["text"], pathway=f["pathway"],
            area_key=area.key if area else None, item_ids=f["items"],
            horizon=f.get("horizon"), owner=f.get("owner"), author=author)
    if data:
        services.metrics.store_rows(visit_id, _demo_rows(rng, today), author=TEAM[4].name)
    if photos:
        for area_index, caption, colour in PHOTOS:
            services.attachments.attach_photo(
                visit_id, _demo_photo(colour, rng), name=f"demo-{area_index}.jpg",
                caption=caption, area_key=areas[area_index].key, author=author)
    return visit_id


def _demo_value(item: Item, rng: random.Random) -> Any:
    """A random plausible answer, for the synthetic visits of tests and benchmarks."""
    t = item.type
    if t is AnswerType.RAG:
        return rng.choices(["green", "amber", "red"], weights=[6, 3, 1])[0]
    if t is AnswerType.YES_NO:
        return rng.choices(["yes", "no"], weights=[3, 1])[0]
    if t is AnswerType.YES_NO_PARTIAL:
        return rng.choice(["yes", "no", "partial"])
    if t in (AnswerType.COUNT, AnswerType.DURATION, AnswerType.PERCENT):
        return _demo_number(item, rng)
    if t is AnswerType.TIME_OF_DAY:
        return f"{rng.randint(7, 11):02d}:{rng.choice(['00', '15', '30', '45'])}"
    if t is AnswerType.SINGLE_CHOICE:
        return rng.choice(item.option_ids)
    if t is AnswerType.MULTI_CHOICE:
        k = rng.randint(1, max(1, len(item.option_ids) - 1))
        return sorted(rng.sample(item.option_ids, k))
    return f"Synthetic answer to {item.id}: staff described how this works on the day."


def _demo_number(item: Item, rng: random.Random) -> int | float:
    th = item.thresholds
    if th is not None:
        # Mostly near the standard, now and then well short of it: a realistic mix.
        spread = max(abs(th.green - th.amber), 2.0)
        toward_green = 1 if th.better == "higher" else -1
        value = th.green + toward_green * rng.uniform(-2.2, 0.8) * spread
    else:
        value = {"count": rng.randint(0, 25), "duration": rng.choice([10, 25, 45, 90, 180]),
                 "percent": rng.randint(20, 95)}[item.type.value]
    if item.type is AnswerType.PERCENT:
        return round(min(100.0, max(0.0, value)))
    return max(0, int(round(value)))


def _demo_photo(colour: tuple[int, int, int], rng: random.Random) -> bytes:
    """A plain generated picture: coloured panels, no text, no people.

    Drawn at the report copy's size (REPORT_LONG_SIDE), so attaching it needs no
    downscale: that was 0.4 s of the demo's 1.5 s, paid by a tablet's first start and by
    every test that makes the demo. Its panels are those of the 2400 x 1800 picture it
    was, scaled to fit (the same draws of `rng`). Downscaling is tested with
    `generated_photo`, which is camera-sized."""
    side = REPORT_LONG_SIDE
    image = Image.new("RGB", (side, side * 3 // 4), (240, 244, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 2000), rng.randint(0, 1400)
        w, h = rng.randint(150, 600), rng.randint(100, 400)
        shade = tuple(max(0, min(255, c + rng.randint(-40, 40))) for c in colour)
        draw.rectangle([x * side // 2400, y * side // 2400, (x + w) * side // 2400,
                        (y + h) * side // 2400], fill=shade)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _demo_rows(rng: random.Random, today: str) -> list[DailyRow]:
    """Twelve weeks of plausible daily figures: counts only, nothing about anyone."""
    end = date.fromisoformat(today) - timedelta(days=1)
    rows = []
    for n in range(84):
        day = end - timedelta(days=83 - n)
        weekend = day.weekday() >= 5
        attendances = rng.randint(240, 290) if weekend else rng.randint(280, 340)
        discharges = rng.randint(38, 52) if weekend else rng.randint(68, 92)
        stranded = rng.randint(100, 128)
        rows.append(DailyRow(day=day, counts={
            "attendances": attendances,
            "within_4h": int(attendances * rng.uniform(0.86, 0.95)),
            "emergency_admissions": rng.randint(62, 90),
            "discharges": discharges,
            "discharges_before_noon": int(discharges * rng.uniform(0.12, 0.3)),
            "occupied_beds": rng.randint(552, 598),
            "available_beds": 600,
            "stranded_7d": stranded,
            "stranded_21d": int(stranded * rng.uniform(0.28, 0.36)),
            "ambulance_handovers_over_30": rng.randint(0, 6),
            "ambulance_handovers_over_60": rng.randint(0, 2),
            "delayed_transfer_days": rng.randint(12, 26),
        }))
    return rows


def generated_photo(seed: int, size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A generated picture (coloured panels, no text, no people) as JPEG."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (240, 244, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, size[0] - 200), rng.randint(0, size[1] - 200)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle([x, y, x + rng.randint(80, 600), y + rng.randint(60, 400)], fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def create_large_visit(services: Services, *, answers: int, findings: int, photos: int,
                       seed: int = 7, note_every: int = 6,
                       photo_size: tuple[int, int] = (2400, 1800)) -> str:
    """A synthetic visit of a chosen size, for tests and benchmarks: areas are added
    (every kind in turn) until there are `answers` answers; every `note_every`-th answer
    has a note; findings cycle through kinds and pathways. No patient data."""
    rng = random.Random(seed)
    visits = services.visits
    visit_id = visits.create_visit(
        system="Northfield Urgent Care System (test)", date="2026-11-27",
        visit_type="diagnostic", trust="Northfield Hospitals NHS Trust (test)",
        team=[TeamMember("Test Lead", "Visit lead"), TeamMember("Test Analyst", "Data")],
        people_met=[PeopleMet("Ward managers", 6), PeopleMet("Social workers", 3)],
        data_reviewed=["Attendances by hour, last 12 weeks", "Discharges by weekday"],
        author="Test Lead")
    kinds = list(AREA_KINDS)
    done = n = 0
    while done < answers:
        kind = kinds[n % len(kinds)]
        key = visits.add_area(visit_id, kind, f"{AREA_KINDS[kind]} {n + 1}")
        n += 1
        form = services.catalogue.for_kind(kind)
        given: dict[str, Any] = {}
        for item in form.items:
            if done >= answers:
                break
            if item not in form.visible_items(given):
                continue
            given[item.id] = visits.answer(visit_id, key, item.id, _demo_value(item, rng))
            done += 1
            if done % note_every == 0:
                visits.set_note(visit_id, key, item.id,
                                f"Observation {done}: board round started late; staff "
                                "described the escalation route clearly.")
    areas = visits.load(visit_id).areas
    pathways = [p.value for p in Pathway]
    finding_kinds = [k.value for k in FindingKind]
    for i in range(findings):
        kind = finding_kinds[i % len(finding_kinds)]
        rec = kind == FindingKind.RECOMMENDATION
        visits.add_finding(
            visit_id, kind=kind,
            text=f"Finding {i + 1} ({kind}): the discharge lounge is used from 10:00 on "
                 "weekdays but rarely at weekends.",
            pathway=pathways[i % len(pathways)], area_key=areas[i % len(areas)].key,
            horizon=(Horizon.QUICK_WIN if i % 2 else Horizon.LONGER_TERM).value if rec else None,
            owner=f"Owner role {i + 1}" if rec else None)
    for i in range(photos):
        services.attachments.attach_photo(
            visit_id, generated_photo(200 + i, photo_size), name=f"p{i}.jpg",
            caption=f"Test photo {i + 1}: corridor signage, no people in view",
            area_key=areas[i % len(areas)].key)
    return visit_id

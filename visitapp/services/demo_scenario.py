"""The demo visit's story, scripted: one answer per item, written for that item.

Riverside's emergency department is under pressure (long ambulance handovers, 12-hour
trolley waits, a mental health patient waiting over 14 hours) while its front door
streaming works; Ward 7 runs good board rounds but discharges late in the day; the
transfer of care hub is a strength; weekends are the gap. Every finding cites the
answers it rests on, so a strength never rests on a Red answer nor a concern on a Green
one (tests/services/test_demo.py checks these rules for several dates). No patient data:
counts, times and descriptions of services only.
"""

from __future__ import annotations

from typing import Any

# One dict per area, in the order of demo.AREAS. Items left out were not reached.
ANSWERS: list[dict[str, Any]] = [
    {  # 0 Emergency Department
        "ed.handover_within_15": "partial", "ed.longest_handover_today": "95",
        "ed.handovers_over_30": "6", "ed.handovers_over_60": "2",
        "ed.clinical_streaming": "yes", "ed.gp_stream": "yes",
        "ed.gp_stream_hours": "08:00 to 20:00 every day of the week, 12 hours; closed "
                              "overnight, when walk-in patients queue for the ED itself.",
        "ed.gp_stream_closes": "20:00", "ed.arrival_to_assessment_p95": "25",
        "ed.ews_at_triage": "yes", "ed.frailty_screening": "partial",
        "ed.four_hour_today": "91", "ed.arrival_to_treatment_median": "75",
        "ed.patients_in_majors": "34", "ed.corridor_patients": "7",
        "ed.longest_wait_now": "870", "ed.dta_over_12h": "3", "ed.lwbs_percent": "4",
        "ed.reattendance_7d": "3", "ed.referral_to_review": "110",
        "ed.specialties_pull": "partial", "ed.slow_specialties": "medicine, mental_health",
        "ed.resus_bays_open": "4", "ed.consultant_presence": "from_12_to_16h",
        "ed.senior_cover_notes": "A consultant leads resus until midnight; overnight the most "
                                 "senior doctor is a registrar, with a consultant on call from "
                                 "home. Weekend consultant hours drop from 16 to 12 a day.",
        "ed.department_feel": "amber", "ed.paeds_area": "yes", "ed.paeds_nurse": "partial",
        "ed.paeds_safeguarding": "yes", "ed.mh_room": "yes", "ed.mh_liaison_response": "50",
        "ed.mh_longest_wait": "840", "ed.s136_patients": "1",
    },
    {  # 1 AMU and SDEC
        "amu.consultant_12h": "yes", "amu.consultant_starts": "08:00", "amu.ews_30min": "92",
        "amu.decision_maker_4h": "84", "amu.consultant_review_14h": "88",
        "amu.twice_daily_review": "partial", "amu.sdec_exists": "yes", "amu.sdec_opens": "08:00",
        "amu.sdec_closes": "18:00", "amu.sdec_days": "weekdays",
        "amu.sdec_referrers": "ed, gp", "amu.sdec_share": "24", "amu.sdec_as_beds": "yes",
        "amu.escalation_beds": "6", "amu.over_72h": "5", "amu.first_transfer": "13:30",
        "amu.therapy_frailty": "partial", "amu.discharge_rate": "38",
        "amu.readmissions_tracked": "yes", "amu.unit_rag": "amber",
    },
    {  # 2 Surgical assessment unit
        "sau.senior_triage": "yes", "sau.hot_clinic": "yes", "sau.hot_clinic_slots": "8",
        "sau.consultant_review_time": "600", "sau.twice_daily_review": "yes",
        "sau.waiting_in_ed": "3", "sau.referral_to_review": "90",
        "sau.ambulatory_pathways": "abscess, biliary, renal_colic",
        "sau.theatre_access": "yes", "sau.ct_access": "within_12h",
        "sau.edd_on_admission": "76", "sau.criteria_led_discharge": "yes",
        "sau.unit_rag": "green",
    },
    {  # 3 Ward 7 (medical): 7 green, 2 amber, 1 red, so Amber by the area rule
        "ward.ward_type": "medical", "ward.board_round": "yes",
        "ward.board_round_starts": "09:00",
        "ward.board_round_attendees": "nursing, senior_doctor, therapy, pharmacy",
        "ward.board_round_quality": "green", "ward.edd_ccd": "92",
        "ward.senior_review_midday": "partial", "ward.discharges_before_noon": "18",
        "ward.red_days": "22", "ward.red_day_reasons": "diagnostics, social_care",
        "ward.red_day_escalation": "The nurse in charge lists red days at the 09:00 board "
                                   "round and the matron escalates them at the 11:00 site "
                                   "meeting; scan delays go to the radiology lead the same day.",
        "ward.stranded": "14", "ward.super_stranded": "5", "ward.long_stay_review": "yes",
        "ward.medically_optimised": "6", "ward.delay_reason_named": "yes",
        "ward.criteria_led_discharge": "partial", "ward.weekend_plan": "yes",
        "ward.steps_welcoming": "green", "ward.steps_safe": "green",
        "ward.steps_caring": "green", "ward.steps_organised": "amber",
    },
    {  # 4 Ward 12 (surgical)
        "ward.ward_type": "surgical", "ward.board_round": "yes",
        "ward.board_round_starts": "10:30",
        "ward.board_round_attendees": "nursing, senior_doctor",
        "ward.board_round_quality": "amber", "ward.edd_ccd": "64",
        "ward.senior_review_midday": "yes", "ward.discharges_before_noon": "26",
        "ward.red_days": "31", "ward.red_day_reasons": "specialty_review, transport",
        "ward.red_day_escalation": "Red-day delays are written on the ward board, but no one "
                                   "owns escalating them; waits for a medical review of "
                                   "outliers are chased by phone.",
        "ward.stranded": "11", "ward.super_stranded": "3", "ward.long_stay_review": "no",
        "ward.medically_optimised": "4", "ward.delay_reason_named": "partial",
        "ward.criteria_led_discharge": "no", "ward.weekend_plan": "no",
        "ward.steps_welcoming": "green", "ward.steps_safe": "green",
        "ward.steps_caring": "green", "ward.steps_organised": "amber",
        "ward.medical_outliers": "5", "ward.outlier_review": "unclear",
        "ward.electives_cancelled": "4",
    },
    {  # 5 Support services
        "sup.seven_day_tests": "ct, ultrasound, microbiology", "sup.reporting_times": "partial",
        "sup.scan_request_to_report": "1680", "sup.monday_backlog": "46",
        "sup.pharmacy_at_board_rounds": "yes", "sup.ttos_day_before": "partial",
        "sup.tto_turnaround": "150", "sup.weekend_pharmacy": "saturday_morning",
        "sup.discharge_lounge": "yes", "sup.lounge_closes": "18:00",
        "sup.lounge_weekends": "no", "sup.lounge_before_noon": "5",
        "sup.transport_lead_time": "1440", "sup.transport_same_day": "partial",
        "sup.transport_late_aborted": "14", "sup.bed_ready_time": "95",
        "sup.therapy_7day": "no",
    },
    {  # 6 Site and bed management
        "site.meetings_per_day": "4", "site.first_meeting": "08:30",
        "site.meeting_quality": "amber", "site.realtime_visibility": "green",
        "site.visibility_tools": "electronic_board, phone_rounds", "site.opel_level": "opel_3",
        "site.opel_actions": "At OPEL 3 the site director opened six escalation beds on the "
                             "AMU and asked community partners for extra discharge-to-assess "
                             "slots; no system-wide actions were triggered.",
        "site.occupancy": "96", "site.escalation_beds": "14", "site.outliers": "9",
        "site.four_hour_month": "90.4", "site.ooh_authority": "partial",
        "site.weekend_discharge_ratio": "55",
        "site.weekend_gaps": "Few senior reviews and no criteria-led discharge on Saturdays "
                             "and Sundays, a closed discharge lounge and only a morning "
                             "pharmacy keep patients in over the weekend.",
    },
    {  # 7 Transfer of care hub
        "dis.integrated_team": "yes", "dis.single_referral": "yes",
        "dis.referral_timing": "when_fit",
        "dis.late_referral_reason": "Wards wait until patients are medically fit before "
                                    "referring, so assessment for support starts late.",
        "dis.referred_48h": "35", "dis.seven_day_staff": "partial",
        "dis.pathway_0": "55", "dis.pathway_1": "30", "dis.pathway_2": "10",
        "dis.pathway_3": "5", "dis.trusted_assessor": "partial",
        "dis.trusted_assessor_with": "reablement, community_beds", "dis.choice_policy": "yes",
        "dis.chc_outside_acute": "partial", "dis.delay_list_validated": "yes",
        "dis.delayed_patients": "27", "dis.dtoc_share": "4.2",
        "dis.disputes": "Disputes arise over who funds a care home placement for patients "
                        "from the neighbouring county; they are settled at the weekly "
                        "long-stay review, often after a week's delay.",
        "dis.long_stay_event": "yes", "dis.hub_rag": "green",
    },
    {  # 8 Community and social care
        "ooh.rapid_response": "yes", "ooh.rapid_response_time": "120",
        "ooh.rapid_response_referrers": "gp, ambulance, nhs111",
        "ooh.community_bed_occupancy": "97", "ooh.community_los": "31",
        "ooh.community_delays": "9", "ooh.community_red2green": "partial",
        "ooh.reablement_starts": "18", "ooh.reablement_wait": "4320",
        "ooh.unsourced_hours": "420", "ooh.social_work_weekends": "no",
        "ooh.d2a_pathways": "pathway_1, pathway_2", "ooh.long_term_outside": "partial",
        "ooh.care_homes_ehch": "amber", "ooh.care_homes_accept": "no", "ooh.core24": "yes",
        "ooh.liaison_ward_response": "720", "ooh.crisis_team_24_7": "yes",
        "ooh.crisis_gatekeeps": "yes", "ooh.crisis_within_4h": "82",
        "ooh.places_of_safety": "2", "ooh.s136_coordinator": "no", "ooh.s136_over_24h": "0",
        "ooh.police_cells_under_18": "0", "ooh.out_of_area": "6",
    },
    {  # 9 Challenges and barriers
        "disc.main_barriers": "Leaders named three barriers to flow: waits for home care "
                              "packages, a shortage of community beds, and weekend discharge "
                              "cover on the wards.",
        "disc.barrier_areas": "discharge, mental_health, weekends",
        "disc.mental_health_barriers": "Crisis care is let down by too few mental health "
                                       "beds: patients wait in the ED for a bed out of area.",
        "disc.workforce_rag": "red", "disc.shared_data_rag": "amber",
        "disc.tried": "They tried a winter discharge-to-assess scheme last year; it cut "
                      "delays for six weeks and then stopped when its funding ended.",
        "disc.what_worked": "The transfer of care hub has worked well: one room and one "
                            "referral route for health and social care, which other systems "
                            "could learn from.",
        "disc.action_plan": "partial", "disc.system_working_rag": "amber",
        "disc.delivery_board_rag": "amber",
        "disc.system_working_notes": "Partners would work together better with one shared "
                                     "set of daily data and a single escalation call across "
                                     "health and social care.",
        "disc.support_wanted": "improvement_team, lga_adass",
        "disc.support_detail": "Support from an improvement team on red and green days, and "
                               "ADASS peer support on trusted assessment; they expect fewer "
                               "stranded patients by the spring.",
    },
]

NOTES: dict[tuple[int, str], str] = {
    (0, "ed.handovers_over_60"): "From the handover log; both were after 15:00.",
    (0, "ed.mh_longest_wait"): "Waiting for a mental health bed out of area.",
    (1, "amu.sdec_as_beds"): "Used overnight for escalation four times last month.",
    (3, "ward.board_round_quality"): "Seen at the 09:00 board round: every patient had a "
                                     "plan and an owner.",
    (4, "ward.weekend_plan"): "No weekend discharge list is drawn up on Fridays.",
    (6, "site.occupancy"): "From the 08:30 bed meeting; escalation beds included.",
    (7, "dis.dtoc_share"): "Figure given by the hub lead; to check against the SitRep.",
}

# Findings with the answers they rest on (item ids in the area given by index).
FINDINGS: list[dict[str, Any]] = [
    {"kind": "strength", "pathway": "front_door", "area": 0,
     "items": ["ed.clinical_streaming", "ed.gp_stream"],
     "text": "Senior clinician streaming at the front door, with a GP stream open 12 hours a "
             "day, every day."},
    {"kind": "strength", "pathway": "flow", "area": 3,
     "items": ["ward.board_round_quality", "ward.edd_ccd"],
     "text": "Board rounds on Ward 7 are consultant-led, brisk and every patient has an "
             "expected date of discharge."},
    {"kind": "strength", "pathway": "discharge", "area": 7,
     "items": ["dis.integrated_team", "dis.hub_rag"],
     "text": "The transfer of care hub brings health and social care into one room with a "
             "single referral route."},
    {"kind": "concern", "pathway": "front_door", "area": 0,
     "items": ["ed.handovers_over_60", "ed.handovers_over_30"],
     "text": "Ambulance handovers over 60 minutes most afternoons; no cohorting area agreed."},
    {"kind": "concern", "pathway": "mental_health", "area": 0,
     "items": ["ed.mh_longest_wait"],
     "text": "Long waits in the ED for mental health beds, several over 12 hours this week."},
    {"kind": "concern", "pathway": "flow", "area": 1, "items": ["amu.unit_rag"],
     "text": "The AMU is used for escalation overnight, so the morning take waits in the ED."},
    {"kind": "concern", "pathway": "weekends", "area": 4,
     "items": ["ward.weekend_plan", "ward.criteria_led_discharge"],
     "text": "Weekend discharges fall to about half of the weekday rate; few criteria-led "
             "discharges."},
    {"kind": "recommendation", "pathway": "flow", "area": 3, "horizon": "quick_win",
     "owner": "Chief nurse", "items": ["ward.discharges_before_noon"],
     "text": "Set a first-discharge-by-10:00 goal on every medical ward and track it daily."},
    {"kind": "recommendation", "pathway": "discharge", "area": 7, "horizon": "longer_term",
     "owner": "Director of adult social services", "items": ["dis.pathway_1"],
     "text": "Commission discharge to assess capacity so that pathway 1 starts within 24 hours."},
    {"kind": "recommendation", "pathway": "front_door", "area": 0, "horizon": "quick_win",
     "owner": "ED clinical director", "items": ["ed.handovers_over_30"],
     "text": "Agree a handover cohorting area and escalation at 30 minutes."},
    {"kind": "support", "pathway": "flow", "area": None, "items": [],
     "text": "Rapid improvement guide on red and green days, with an offer of a facilitator "
             "for two weeks."},
    {"kind": "support", "pathway": "out_of_hospital", "area": None, "items": [],
     "text": "ADASS peer support on trusted assessment with local care homes."},
    {"kind": "next_step", "pathway": None, "area": None, "items": [],
     "text": "Written report within two weeks; system action plan at the next collaborative "
             "event."},
    {"kind": "next_step", "pathway": None, "area": None, "items": [],
     "text": "Follow-up visit in three months, comparing the same indicators."},
]

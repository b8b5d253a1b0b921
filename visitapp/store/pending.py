"""The SQL of the unsent counts that more than one module reads: sync_state (the unsynced
count, per visit and in all) and summaries (the visits screen's page, in one statement).
Kept apart so the visits screen's reads do not load sync_state's table models
(sqlmodel), which a report run must not (tests/report/test_report_cli.py)."""

# Refused ops still pending, per visit: sync_rejections is short (what the office turned
# down and nobody retried), so this costs a lookup per refusal, not per pending op. CROSS
# JOIN keeps SQLite to that order: left to itself it may walk every pending op instead.
REFUSED_PENDING = ("SELECT o.visit_id, COUNT(*) FROM sync_rejections r "
                   "CROSS JOIN ops o ON o.op_id = r.op_id WHERE o.pushed = 0 "
                   "GROUP BY o.visit_id")

"""Child process for test_crash: answers items one by one and prints each acknowledgement.

Usage: python crash_writer.py DB_PATH VISIT_ID
Each line printed ("ack AREA ITEM VALUE-JSON") means VisitService.answer has returned.
"""

from __future__ import annotations

import json
import os
import random
import sys

from visitapp.services.app import open_services
from visitapp.services.demo import _demo_value


def main() -> None:
    db_path, visit_id = sys.argv[1], sys.argv[2]
    services = open_services(db_path, pin=os.environ["VISITAPP_PIN"])  # set by tests/conftest
    state = services.visits.load(visit_id)
    rng = random.Random(visit_id)
    print("ready", flush=True)
    for area in state.areas:
        for item in area.form.items:
            value = services.visits.answer(visit_id, area.key, item.id, _demo_value(item, rng),
                                           author="Crash tester")
            sys.stdout.write(f"ack {area.key} {item.id} {json.dumps(value)}\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

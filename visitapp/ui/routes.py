"""The route table: which screen each address shows, and the view stack under it.

Routes stay as they are (links and tests use them): `/`, `/new`, `/visit/{id}`,
`/visit/{id}/area/{key}`, `/visit/{id}/findings`, `/photos`, `/feedback`, `/data`.
Kept apart from `main` so that the screens and the app shell do not import each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from visitapp.ui.screens import (
    checklist,
    data,
    feedback,
    findings,
    later,
    new_visit,
    overview,
    photos,
    visits,
)

ScreenFactory = Callable[..., Any]

ROUTES: list[tuple[str, re.Pattern[str], ScreenFactory]] = [
    ("visits", re.compile(r"^/$"), lambda app: visits.VisitsScreen(app)),
    ("new", re.compile(r"^/new$"), lambda app: new_visit.NewVisitScreen(app)),
    ("overview", re.compile(r"^/visit/(?P<vid>[^/]+)$"),
     lambda app, vid: overview.OverviewScreen(app, vid)),
    ("area", re.compile(r"^/visit/(?P<vid>[^/]+)/area/(?P<key>[^/]+)$"),
     lambda app, vid, key: checklist.ChecklistScreen(app, vid, key)),
    ("findings", re.compile(r"^/visit/(?P<vid>[^/]+)/findings$"),
     lambda app, vid: findings.FindingsScreen(app, vid)),
    ("photos", re.compile(r"^/visit/(?P<vid>[^/]+)/photos$"),
     lambda app, vid: photos.PhotosScreen(app, vid)),
    ("feedback", re.compile(r"^/visit/(?P<vid>[^/]+)/feedback$"),
     lambda app, vid: feedback.FeedbackScreen(app, vid)),
    ("data", re.compile(r"^/visit/(?P<vid>[^/]+)/data$"),
     lambda app, vid: data.DataScreen(app, vid)),
    ("later", re.compile(r"^/visit/(?P<vid>[^/]+)/later/(?P<what>[a-z_]+)$"),
     lambda app, vid, what: later.LaterScreen(app, vid, what)),
]


def stack_for(route: str) -> list[str]:
    """The routes under `route` in the view stack: / , then the visit, then the screen."""
    route = route.split("?")[0].rstrip("/") or "/"
    if route == "/":
        return ["/"]
    if route == "/new":
        return ["/", "/new"]
    m = re.match(r"^/visit/([^/]+)(/.*)?$", route)
    if not m or not any(rx.match(route) for _, rx, _f in ROUTES):
        return ["/"]
    overview_route = f"/visit/{m[1]}"
    return ["/", overview_route] if route == overview_route else ["/", overview_route, route]


def build_screen(app: Any, route: str) -> Any:
    """The screen for `route` (the visits list for an address it does not know)."""
    for _name, rx, factory in ROUTES:
        m = rx.match(route)
        if m is not None:
            return factory(app, **m.groupdict())
    return visits.VisitsScreen(app)

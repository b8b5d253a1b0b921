"""One module per screen; `build_screen` picks the screen for a route."""

from __future__ import annotations

from typing import Any

from visitapp.ui.main import ROUTES


def build_screen(app: Any, route: str) -> Any:
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

    for name, rx in ROUTES:
        m = rx.match(route)
        if m is None:
            continue
        args = m.groupdict()
        if name == "visits":
            return visits.VisitsScreen(app)
        if name == "new":
            return new_visit.NewVisitScreen(app)
        if name == "overview":
            return overview.OverviewScreen(app, args["vid"])
        if name == "area":
            return checklist.ChecklistScreen(app, args["vid"], args["key"])
        if name == "findings":
            return findings.FindingsScreen(app, args["vid"])
        if name == "photos":
            return photos.PhotosScreen(app, args["vid"])
        if name == "feedback":
            return feedback.FeedbackScreen(app, args["vid"])
        if name == "data":
            return data.DataScreen(app, args["vid"])
        if name == "later":
            return later.LaterScreen(app, args["vid"], args["what"])
    return visits.VisitsScreen(app)

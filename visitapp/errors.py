"""Errors the app raises, converted to words only at the edges (CLI, UI, HTTP).

    VisitAppError                 root: anything this package raises on purpose
    ├── UserError                 the user's input is wrong; the message says what and where
    │   ├── NotFound              an unknown visit, area, item, finding or attachment
    │   ├── BadValue              an answer value that does not fit its item's type
    │   ├── PatientDataWarning    free text that looks like patient data, not confirmed
    │   ├── FormProblems          one or more problems in checklist definitions
    │   └── BadBundle             a visit bundle that is corrupt, truncated or not a bundle
    └── StoreError                the database is not usable (newer schema, locked too long)
"""

from __future__ import annotations


class VisitAppError(Exception):
    """Root of every error this package raises on purpose."""


class UserError(VisitAppError):
    """Something the user gave us is wrong; the message is meant for them."""


class NotFound(UserError):
    pass


class BadValue(UserError):
    pass


class PatientDataWarning(UserError):
    """Text looks like patient data and the user has not confirmed it is not."""

    def __init__(self, where: str, reasons: list[str]) -> None:
        self.where = where
        self.reasons = reasons
        super().__init__(
            f"{where} looks like patient data ({'; '.join(reasons)}): "
            "remove it, or confirm it is not patient data"
        )


class FormProblems(UserError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class BadBundle(UserError):
    pass


class StoreError(VisitAppError):
    pass

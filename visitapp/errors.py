"""Errors the app raises, converted to words only at the edges (CLI, UI, HTTP).

    VisitAppError                 root: anything this package raises on purpose
    ├── UserError                 the user's input is wrong; the message says what and where
    │   ├── NotFound              an unknown visit, area, item, finding or attachment
    │   ├── BadValue              an answer value that does not fit its item's type
    │   ├── PatientDataWarning    free text that looks like patient data, not confirmed
    │   ├── FormProblems          one or more problems in checklist definitions
    │   ├── BadBundle             a visit bundle that is corrupt, truncated or not a bundle
    │   └── PinProblem            the PIN is missing, malformed, wrong, or must wait
    │       ├── NoPin             no PIN given (no terminal to ask, no VISITAPP_PIN)
    │       ├── BadPin            not six or more digits
    │       ├── WrongPin          not the PIN this tablet's data is locked with
    │       └── PinLockedOut      too many wrong PINs: the next try must wait
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


class PinProblem(UserError):
    pass


class NoPin(PinProblem):
    pass


class BadPin(PinProblem):
    pass


class WrongPin(PinProblem):
    def __init__(self, message: str, wait_s: float = 0.0) -> None:
        self.wait_s = wait_s  # before the next try may be made
        super().__init__(message)


class PinLockedOut(PinProblem):
    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        super().__init__(f"too many wrong PINs: try again in {_duration(wait_s)}")


def _duration(seconds: float) -> str:
    s = max(1, round(seconds))
    if s < 120:
        return f"{s} seconds"
    if s < 7200:
        return f"{round(s / 60)} minutes"
    return f"{round(s / 3600)} hours"

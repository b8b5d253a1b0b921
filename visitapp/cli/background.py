"""Open the tablet's database on a thread of its own, so a command can get on meanwhile.

Unlocking is Argon2id (~0.2 s, deliberately costly) run by C code that releases the GIL;
the store beneath it is SQLCipher, also C. A command such as `visitapp report` spends the
same time importing its renderer and parsing fonts in Python, so the two overlap. Only the
store is imported before the thread starts: the services are built on the main thread
once it asks for the database.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from visitapp.store.at_rest import open_database
from visitapp.store.db import Database


class BackgroundOpen:
    """`open_database(path, pin)` started now; `database()` waits for it and returns the
    database or raises what opening raised (a wrong PIN, a damaged file), on the caller's
    thread, exactly as opening there would have."""

    def __init__(self, path: Path, pin: str) -> None:
        self._result: Database | None = None
        self._error: BaseException | None = None
        # Not a daemon: a try at the PIN, once counted in the key file, is always finished.
        self._thread = threading.Thread(target=self._run, args=(path, pin),
                                        name="open-database")
        self._thread.start()

    def _run(self, path: Path, pin: str) -> None:
        try:
            self._result = open_database(path, pin, now=time.time)
        except BaseException as err:  # handed to the caller's thread by database()
            self._error = err

    def database(self) -> Database:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        assert self._result is not None
        return self._result

    def close(self) -> None:
        """Wait for the opening and close what it opened (for a command that stopped
        before using it)."""
        self._thread.join()
        if self._result is not None:
            self._result.close()

    def __repr__(self) -> str:  # the PIN is never kept, nor shown
        state = "open" if self._result else "error" if self._error else "opening"
        return f"BackgroundOpen({state})"

"""Where things live. Precedence: command-line argument, environment, default."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

ENV_DB = "VISITAPP_DB"
ENV_AUTHOR = "VISITAPP_AUTHOR"


def default_db_path() -> Path:
    return Path(user_data_dir("visitapp", appauthor=False)) / "visitapp.db"


def resolve_db_path(given: str | Path | None) -> Path:
    if given:
        return Path(given).expanduser()
    from_env = os.environ.get(ENV_DB)
    if from_env:
        return Path(from_env).expanduser()
    return default_db_path()

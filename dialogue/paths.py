"""Where the engine keeps its files: the data folder, the trained models in it, and the default database.

The data folder is `$DIALOGUE_HOME`, else the user's data folder (platformdirs: ~/.local/share/dialogue on
Linux). `dialogue train` writes each model to `models/<domain>/<data hash>-<time>/` in it, and
`Engine.from_domain`, `dialogue chat`, `serve` and `simulate` take the newest model trained on the domain's
current data from there (every command also takes --models, and `Engine.from_domain` a `models` folder).
"""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """Where the engine keeps its files: $DIALOGUE_HOME, else the user's data folder."""
    import platformdirs

    return Path(os.environ.get("DIALOGUE_HOME") or platformdirs.user_data_dir("dialogue"))


def models_folder() -> Path:
    """Where trained models are written and read by default: models/ in the data folder."""
    return data_home() / "models"


def default_database() -> str:
    """The database the commands use without --db: dialogue.db in the data folder (the folder is made)."""
    home = data_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'dialogue.db'}"

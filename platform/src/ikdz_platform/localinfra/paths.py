"""Where the local infrastructure keeps its downloads and finds its recipes."""

from __future__ import annotations

import os
from pathlib import Path

_MARKER = Path("deploy") / "kafka" / "pom.xml"


def cache_dir() -> Path:
    """The user cache for Kafka jars and the FerretDB binary.

    ``$IKDZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/ikdz``, else ``~/.cache/ikdz``.
    """
    explicit = os.environ.get("IKDZ_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "ikdz"


def repo_root() -> Path:
    """The checkout that holds ``deploy/``: ``$IKDZ_REPO_ROOT``, else found upwards from this file or the cwd."""
    explicit = os.environ.get("IKDZ_REPO_ROOT")
    if explicit:
        root = Path(explicit).expanduser()
        if not (root / _MARKER).is_file():
            raise FileNotFoundError(f"IKDZ_REPO_ROOT={explicit} has no {_MARKER}")
        return root
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / _MARKER).is_file():
                return candidate
    raise FileNotFoundError(f"cannot find the IKDZ checkout ({_MARKER}); set IKDZ_REPO_ROOT")


def deploy_dir() -> Path:
    """``<repo>/deploy``: the Maven POM, the FerretDB Go module and the Kafka config templates."""
    return repo_root() / "deploy"

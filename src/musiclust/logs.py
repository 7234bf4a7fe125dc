"""Logging for rule jobs: everything a job says goes to its Snakemake log file."""

from __future__ import annotations

import logging
import sys


def log_to_file(path: str | None) -> logging.Logger:
    """Send logging and stderr (tqdm's progress bars) of this job to ``path``."""
    if path:
        stream = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives as long as the job
        sys.stderr = stream
    else:
        stream = sys.stderr
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=stream,
        force=True,
    )
    return logging.getLogger("musiclust")

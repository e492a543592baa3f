"""Reading a run's metrics back for reports: metrics.json as the typed ``RunMetrics``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..metrics import RunMetrics


def load_run_metrics(path: Path) -> RunMetrics:
    """metrics.json of a run directory (or the file itself), typed; a file that is not one of
    ours, or a damaged one, is an input error naming the field."""
    from ..metrics import RunMetrics
    from ..results import METRICS_FILE, load_metrics

    file = path / METRICS_FILE if path.is_dir() else path
    return RunMetrics.from_json(load_metrics(path), source=str(file))

"""Tasks: validated dialogue samples with ground truth (docs/contract.md §1)."""

from ._load import bundled_task_names, bundled_tasks_dir, load_task, resolve_task_path
from ._validate import check_sample
from ._records import Mode, Pair, Sample, Task, Turn, pair_questions

__all__ = [
    "Mode",
    "Pair",
    "Sample",
    "Task",
    "Turn",
    "bundled_task_names",
    "check_sample",
    "bundled_tasks_dir",
    "load_task",
    "pair_questions",
    "resolve_task_path",
]

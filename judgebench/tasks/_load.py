"""Find and load tasks: a single JSONL file, a task directory, or a bundled task by name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError, TaskError
from ..scales import PHQ9, get_scale, scale_from_mapping
from ._records import Task
from ._validate import check_uniqueness, read_samples

TASK_FILE = "task.yaml"


def bundled_tasks_dir() -> Path:
    """Where bundled tasks live: ``$JUDGEBENCH_TASKS_DIR``, the copy inside an installed wheel
    (``judgebench/_bundled_tasks``), or the repository's ``tasks/`` (a source checkout)."""
    env = os.environ.get("JUDGEBENCH_TASKS_DIR")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    inside = package / "_bundled_tasks"
    return inside if inside.is_dir() else package.parent / "tasks"


def bundled_task_names() -> list[str]:
    root = bundled_tasks_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / TASK_FILE).is_file())


def resolve_task_path(ref: str) -> Path:
    """A path to a .jsonl file or a task directory, from a path or a bundled task's name."""
    path = Path(ref)
    if path.is_file() or (path.is_dir() and (path / TASK_FILE).is_file()):
        return path
    if path.is_dir():
        raise TaskError(f"{path}: no {TASK_FILE} in this directory; pass a .jsonl file or a task directory")
    bundled = bundled_tasks_dir() / ref
    if (bundled / TASK_FILE).is_file():
        return bundled
    names = ", ".join(bundled_task_names()) or "none found"
    raise TaskError(
        f"{ref}: no such file, task directory or bundled task (bundled: {names}; see `judgebench tasks list`)"
    )


def _task_schema():
    """task.yaml as a pydantic model (built on first use, off the CLI's start-up path)."""
    from typing import Literal, Union

    from pydantic import Field

    from .._config import Strict

    class TaskFile(Strict):
        name: str | None = Field(default=None, description="Task name (default: the directory's).")
        description: str = ""
        scale: Union[str, dict[str, Any]] = Field(default="phq9", description="phq9 | phq8 | bdi2, or a mapping defining a scale.")
        baseline_language: str = "en"
        mode: Literal["pointwise", "pairwise"] = "pointwise"
        data: list[str] | None = Field(default=None, description="File names or globs inside the task directory.")
        prompt: str | None = Field(default=None, description="A prompt template file inside the task directory.")

    return TaskFile


def _read_task_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The checked task.yaml mapping and the line of each key (path)."""
    from .._config import load_config

    spec, lines = load_config(_task_schema(), path, TASK_FILE, error=TaskError)
    return spec.model_dump(exclude_none=True), lines


_PLACEHOLDERS = {"pointwise": ("{dialogue}",), "pairwise": ("{dialogue_a}", "{dialogue_b}")}


def _read_prompt(task_dir: Path, name: str, mode: str, where: str, problems: list[str]) -> str | None:
    """The task's prompt template: a file inside the task directory that has the placeholders the
    mode needs (a template without ``{dialogue}`` would judge nothing and still print metrics)."""
    root = task_dir.resolve()
    prompt_path = (task_dir / name).resolve()
    if not prompt_path.is_relative_to(root):
        problems.append(f"{where}: prompt: {name!r} is outside the task directory; keep the template beside task.yaml")
        return None
    try:
        text = prompt_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.append(f"{where}: prompt: cannot read {prompt_path}: {getattr(e, 'strerror', None) or e}")
        return None
    missing = [p for p in _PLACEHOLDERS.get(mode, ()) if p not in text]
    if missing:
        problems.append(f"{where}: prompt: {name} has no {' or '.join(missing)}; the template must say where "
                        "the transcript goes")
        return None
    return text


def load_task(ref: str | Path) -> Task:
    """Load and validate a task. Raises TaskError listing every problem; never half-loads."""
    path = resolve_task_path(str(ref))
    problems: list[str] = []
    if path.is_file():
        scale, files, spec, prompt = PHQ9, [path], {}, None
    else:
        yaml_path = path / TASK_FILE
        spec, lines = _read_task_yaml(yaml_path)
        try:
            raw_scale = spec.get("scale", "phq9")
            where = f"{yaml_path}:{lines.get('scale', 1)}"
            scale = scale_from_mapping(raw_scale, where) if isinstance(raw_scale, dict) else get_scale(str(raw_scale))
        except InputError as e:
            if isinstance(raw_scale, dict):
                raise TaskError(e.problems) from None
            raise TaskError(f"{yaml_path}:{lines.get('scale', 1)}: scale: {e}") from None
        patterns = spec.get("data") or ["*.jsonl"]
        files = []
        root = path.resolve()
        for pattern in patterns:
            where = f"{yaml_path}:{lines.get('data', 1)}: data: {pattern!r}"
            try:
                matched = sorted(m for m in path.glob(pattern) if m.is_file())
            except (ValueError, OSError) as e:
                problems.append(f"{where}: not a usable pattern ({e})")
                continue
            outside = [m for m in matched if not m.resolve().is_relative_to(root)]
            if outside:
                problems.append(f"{where}: matches files outside the task directory ({outside[0]}); "
                                "keep the data beside task.yaml")
                continue
            if not matched:
                problems.append(f"{where} matches no file in {path}")
            files.extend(m for m in matched if m not in files)
        prompt = None
        if spec.get("prompt"):
            prompt = _read_prompt(path, spec["prompt"], spec.get("mode", "pointwise"),
                                  f"{yaml_path}:{lines.get('prompt', 1)}", problems)
    located = []
    for f in files:
        located.extend(read_samples(f, scale, problems))
    check_uniqueness(located, problems)
    if problems:
        raise TaskError(problems)
    name = spec.get("name") or (path.stem if path.is_file() else path.name)
    return Task(
        name=name,
        description=spec.get("description", ""),
        scale=scale,
        baseline_language=spec.get("baseline_language", "en"),
        mode=spec.get("mode", "pointwise"),
        samples=tuple(s for s, _ in located),
        source=path,
        prompt_template=prompt,
    )

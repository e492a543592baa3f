"""Judges and how to call them. ``_client`` (litellm) is imported only when a run starts."""

from ._config import JudgeSpec, load_models_file, resolve_judges
from ._local import DEFAULT_LOCAL_MODEL
from ._preflight import preflight

__all__ = ["DEFAULT_LOCAL_MODEL", "JudgeSpec", "load_models_file", "preflight", "resolve_judges"]

"""Judges and how to call them. ``_client`` (litellm) is imported only when a run starts."""

from ._config import JudgeSpec, load_models_config, load_models_file, resolve_judges
from ._local import DEFAULT_LOCAL_MODEL
from ._preflight import preflight
from ._probe import ServerInfo, probe
from ._resolve import resolve_judges_for_run

__all__ = ["DEFAULT_LOCAL_MODEL", "JudgeSpec", "ServerInfo", "batch_api", "client", "load_models_config", "load_models_file",
           "preflight", "probe", "resolve_judges", "resolve_judges_for_run"]


def client():
    """The model client module (``complete``, ``response_format_for``, ``Completion``,
    ``CallFailure``...). Importing it imports litellm, so it is loaded on first use only."""
    from . import _client

    return _client


def batch_api():
    """The provider batch-API module (``upload``, ``create``, ``retrieve``, ``results``,
    ``cancel``...); its answers go through the model client, so it also imports litellm."""
    from . import _batch

    return _batch

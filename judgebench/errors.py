"""The one error hierarchy. The CLI maps each class to an exit code in one place."""

from __future__ import annotations


class JudgebenchError(Exception):
    """Base class: a problem judgebench can explain in one line."""

    exit_code = 2


class InputError(JudgebenchError):
    """Bad user input (task files, options, run directories). Exit 2.

    ``problems`` holds every problem found, one ``file:line: field: message`` per entry, so a
    user fixes a file in one pass instead of one error at a time.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class TaskError(InputError):
    """A task file or task directory is invalid."""


class IncomparableError(InputError):
    """Two runs cannot be compared (different task, prompt or judge)."""


class StorageError(JudgebenchError):
    """A file of the run could not be written (disk full, quota, read-only). Exit 2: nothing is
    wrong with the run itself; what was written is whole, and the same command resumes it."""


class ErrorRateExceeded(JudgebenchError):
    """The share of failed judgments exceeded ``--max-error-rate``. Exit 1."""

    exit_code = 1


class AllJudgmentsFailed(JudgebenchError):
    """Not one judgment of the run was scored (missing model, wrong endpoint...). Exit 1."""

    exit_code = 1


class RegressionFound(JudgebenchError):
    """The CI gate found a regression. Exit 1."""

    exit_code = 1


class GenerationIncomplete(JudgebenchError):
    """Some requested dialogues could not be generated or did not validate. Exit 1."""

    exit_code = 1


class BatchAPIError(JudgebenchError):
    """A provider's batch API refused or failed a request that a run cannot do without. Exit 2."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient

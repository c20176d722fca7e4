"""The package's exception hierarchy: every error says what went wrong and what to do."""

from __future__ import annotations


class ClueError(Exception):
    """Base class of every error raised on purpose by clue-plugins."""


class GenotypeError(ClueError, ValueError):
    """A genotype or architecture description is malformed (wrong length, cycle, bad key...)."""


class UnknownOpError(GenotypeError):
    """An operation name is neither canonical, a known alias, nor parseable."""

    def __init__(self, op: object, known: list[str] | tuple[str, ...], hint: str = "") -> None:
        self.op = op
        self.known = tuple(known)
        msg = f"unknown operation {op!r}; known operations: {', '.join(self.known)}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class MissingDataError(ClueError, FileNotFoundError):
    """A benchmark data file is not where it should be."""


class MissingDependencyError(ClueError, ImportError):
    """An optional dependency (NASLib, NNI, open_clip...) is not installed."""


class NotFittedError(ClueError, RuntimeError):
    """A predictor was used before ``fit``."""


def missing_dependency(package: str, extra: str | None = None, how: str | None = None) -> MissingDependencyError:
    """Build the error for an optional dependency that failed to import."""
    if how is None:
        how = f"pip install 'clue-plugins[{extra}]'" if extra else f"pip install {package}"
    return MissingDependencyError(f"{package} is required for this feature but is not installed; install it with: {how}")


class NetworkError(ClueError, RuntimeError):
    """A network could not be run as asked (its forward pass failed on the example input, ...)."""

"""The package's exception hierarchy: every error says what went wrong and what to do."""

from __future__ import annotations

import re


class ClueError(Exception):
    """Base class of every error raised on purpose by clue-plugins."""


class GenotypeError(ClueError, ValueError):
    """A genotype or architecture description is malformed (wrong length, cycle, bad key...)."""


class UnknownOpError(GenotypeError):
    """An operation name is neither canonical, a known alias, nor parseable."""

    def __init__(self, op: object, known: list[str] | tuple[str, ...], hint: str = "") -> None:
        self.op = op
        self.known = tuple(known)
        msg = f"unknown operation {shown(op, 60)}; known operations: {', '.join(self.known)}"
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


class ConfigError(ClueError, ValueError):
    """An argument, option or saved configuration has a value the package cannot use."""


class UnknownNameError(ClueError, KeyError):
    """A name (space, dataset, device, metric, predictor...) is not one the package knows."""

    def __str__(self) -> str:  # KeyError's str() would quote the whole message
        return str(self.args[0]) if self.args else ""


class DataIntegrityError(ClueError, ValueError):
    """A data or cache file is not what it should be (wrong checksum, truncated, unexpected content)."""


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, so an error never echoes a huge input back whole.

    A numpy scalar shows as the plain value the user typed (``9``, not ``np.int64(9)``).
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ (or an int too long to print) must not hide the real error
        digits = f" of about {int(value.bit_length() * 0.30103) + 1:,} digits" if isinstance(value, int) else ""
        text = f"<{type(value).__name__}{digits}>"
    text = re.sub(r"\s*\n\s*", " ", text)  # a numpy array's repr spans several lines
    if len(text) <= limit:
        return text
    return f"{text[: limit - 25]}... ({len(text):,} characters)"


class UnknownOptionError(ConfigError, TypeError):
    """A keyword option that the estimator or plugin does not have (a TypeError, as Python raises for one)."""

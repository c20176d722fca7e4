"""The estimator contract every predictor keeps (scikit-learn's, with this package's errors).

- Parameters are the keywords of ``__init__``, stored unchanged under the same names: ``get_params``,
  ``set_params``, ``repr`` and :func:`sklearn.base.clone` come from :class:`sklearn.base.BaseEstimator`.
- ``__init__`` does no work and no validation; ``fit`` checks the parameters, freezes them into the fitted
  state (``config_``) and returns ``self``; what ``predict`` does depends only on the fitted state, so a
  ``set_params`` after ``fit`` changes nothing until the next ``fit``.
- An unknown keyword is an :class:`~clue_plugins.errors.UnknownOptionError` (a ``TypeError``) naming the options,
  ``predict`` before ``fit`` a :class:`~clue_plugins.errors.NotFittedError`.

``tests/predictors/test_estimator_contract.py`` checks all of this for every estimator.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sklearn.base import BaseEstimator

from clue_plugins.errors import NotFittedError, UnknownOptionError

__all__ = ["Estimator", "checked_options", "unknown_options"]

F = TypeVar("F", bound=Callable[..., Any])


def unknown_options(owner: str, unknown: Iterable[str], known: Iterable[str]) -> UnknownOptionError:
    """The error for keyword options ``owner`` does not have, with the closest known names."""
    unknown, known = sorted(unknown), sorted(known)
    close = sorted({m for u in unknown for m in difflib.get_close_matches(u, known, n=2)})
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return UnknownOptionError(f"unknown {owner} option(s) {unknown}{hint}; options: {known}")


def checked_options(init: F) -> F:
    """Decorate an estimator's ``__init__``: an unknown keyword raises :class:`UnknownOptionError` naming the
    options (Python's own ``TypeError`` does not). The signature stays the one written, for ``help()``, IDEs and
    ``get_params``."""
    names = [p for p in inspect.signature(init).parameters if p != "self"]

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(names)
        if unknown:
            raise unknown_options(type(self).__name__, unknown, names)
        init(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Estimator(BaseEstimator):
    """Base of the package's predictors: scikit-learn's parameter handling plus our errors.

    Subclasses name the attribute that exists only once fitted (``_fitted_attr``) and set ``_requires_fit = False``
    when ``predict`` needs no ``fit`` (a lookup table).
    """

    _fitted_attr = "config_"
    _requires_fit = True

    def set_params(self, **params: Any) -> Estimator:
        """Change parameters (they take effect at the next ``fit``; a fitted model keeps what it was fitted with)."""
        known = self._get_param_names()
        unknown = set(params) - set(known)
        if unknown:
            raise unknown_options(type(self).__name__, unknown, known)
        return super().set_params(**params)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attr)

    def _check_fitted(self) -> None:
        if self._requires_fit and not self.__sklearn_is_fitted__():
            name = type(self).__name__
            raise NotFittedError(f"this {name} is not fitted yet: call fit(...) first, or {name}.load(path)")


class ConfiguredEstimator(Estimator):
    """An estimator whose parameters are the fields of one frozen config dataclass (``config_class``).

    The config class has ``from_dict`` (refusing unknown options), ``validate`` and ``options``; ``fit`` freezes
    :meth:`get_config` into ``config_``, which everything after ``fit`` reads (:meth:`active_config`).
    """

    config_class: Any = None

    @classmethod
    def from_config(cls, config: Any = None, **overrides: Any) -> Any:
        """An estimator with the options of ``config`` (a ``config_class`` instance or a dict), ``overrides`` changed."""
        base = config if isinstance(config, cls.config_class) else cls.config_class.from_dict(config or {})
        return cls(**{**dict(base.options()), **overrides})

    def get_config(self) -> Any:
        """The checked config of the current parameters: what ``fit`` freezes into ``config_``."""
        return self.config_class.from_dict(self.get_params(deep=False)).validate()

    def active_config(self) -> Any:
        """The fitted configuration once fitted (``set_params`` after ``fit`` changes nothing), else the parameters'."""
        return self.config_ if hasattr(self, "config_") else self.get_config()

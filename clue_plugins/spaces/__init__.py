"""Search spaces: one descriptor object per space (:class:`SearchSpace`), and the registry every part of the
package reads its list of spaces from.

A new space is one file: a :class:`SearchSpace` subclass with its names, genotype codecs, network builder,
evolution genes and benchmark loader, and one :func:`register_space` call (docs/extending.md). The built-in
descriptors are :mod:`clue_plugins.spaces.nb201`, :mod:`~clue_plugins.spaces.nb101` and
:mod:`~clue_plugins.spaces.nb301`; they call the adapters, networks and benchmark loaders.
"""

from clue_plugins.spaces.base import SearchSpace, TargetColumns
from clue_plugins.spaces.registry import (
    get_space,
    nni_space_names,
    register_space,
    space_names,
    spaces,
    unregister_space,
)

__all__ = ["SearchSpace", "TargetColumns", "get_space", "nni_space_names", "register_space", "space_names", "spaces",
           "unregister_space"]

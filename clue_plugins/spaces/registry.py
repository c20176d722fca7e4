"""The registry of search-space descriptors: one source for every list of spaces in the package.

The built-in spaces (``clue_plugins.spec.SPACES``: one module ``clue_plugins/spaces/<name>.py`` each,
holding ``SPACE``) are loaded on first use, so importing this module imports no adapter, torch or data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.spaces.base import SearchSpace

_SPACES: dict[str, SearchSpace] = {}
#: Bumped by every (un)registration: views rebuild their table only when it changed.
_GENERATION = 0
_BUILTINS_LOADED = False

T = TypeVar("T", SearchSpace, type)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    from clue_plugins.spec import SPACES

    loaded = {name: importlib.import_module(f"clue_plugins.spaces.{name}").SPACE for name in SPACES}
    # built-ins first, in SPACES order, then whatever was registered while they loaded
    rest = {k: v for k, v in _SPACES.items() if k not in loaded}
    _SPACES.clear()
    _SPACES.update({**loaded, **rest})
    _BUILTINS_LOADED = True


def _builtin_names() -> tuple[str, ...]:
    from clue_plugins.spec import SPACES

    return SPACES


def register_space(descriptor: T, replace: bool = False) -> T:
    """Register a :class:`SearchSpace` (an instance, or a subclass: then one instance is made; usable as a class
    decorator). Returns what it was given. Its name and spellings must be new unless ``replace=True``
    replaces the space of the same name; built-in spaces cannot be replaced."""
    instance = descriptor() if isinstance(descriptor, type) and issubclass(descriptor, SearchSpace) else descriptor
    if not isinstance(instance, SearchSpace):
        raise ConfigError(f"register_space takes a SearchSpace (see clue_plugins.spaces.SearchSpace), got {shown(descriptor)}")
    name = instance.name
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a space name is a non-empty string, got {shown(name)}")
    _load_builtins()
    if name in _builtin_names():
        raise ConfigError(f"space {name!r} is built in and cannot be registered again; pick another name")
    if name in _SPACES and not replace:
        raise ConfigError(f"space {name!r} is already registered; pass replace=True to replace it, or unregister_space first")
    for other in _SPACES.values():
        clash = set(instance.spellings) & set(other.spellings)
        if other.name != name and clash:
            raise ConfigError(f"space {name!r} would answer to {', '.join(sorted(map(repr, clash)))}, a name of space "
                              f"{other.name!r}; pick other names or aliases")
    global _GENERATION
    _SPACES[name] = instance
    _GENERATION += 1
    return descriptor


def unregister_space(name: str) -> SearchSpace:
    """Remove a registered (not built-in) space; returns its descriptor."""
    _load_builtins()
    if name in _builtin_names():
        raise ConfigError(f"space {name!r} is built in and cannot be unregistered")
    if name not in _SPACES:
        raise UnknownNameError(f"no registered space {shown(name)}; registered: {', '.join(space_names()[len(_builtin_names()):]) or 'none'}")
    global _GENERATION
    _GENERATION += 1
    return _SPACES.pop(name)


def registered(name: str) -> SearchSpace | None:
    """The descriptor registered under exactly ``name`` (built-in or not), or None."""
    _load_builtins()
    return _SPACES.get(name)


def spaces() -> tuple[SearchSpace, ...]:
    """Every descriptor: the built-in ones, then the registered ones in registration order."""
    _load_builtins()
    return tuple(_SPACES.values())


def space_names() -> tuple[str, ...]:
    """Our name of every space (the ``--space`` choices of ``clue-nas``)."""
    return tuple(s.name for s in spaces())


def nni_space_names() -> tuple[str, ...]:
    """NNI's model-space name of every space that has one (``clue-nas nni-search --space`` choices)."""
    return tuple(s.nni_name for s in spaces() if s.nni_name)


def is_builtin(name: str) -> bool:
    return name in _builtin_names()


def get_space(name: str | SearchSpace) -> SearchSpace:
    """The descriptor of a space by any of its spellings (``nb201``, ``nasbench201``, ``NasBench201``...);
    :class:`UnknownNameError` listing the known spaces otherwise."""
    if isinstance(name, SearchSpace):
        return name
    _load_builtins()
    if isinstance(name, str):
        if name in _SPACES:
            return _SPACES[name]
        for space in _SPACES.values():
            if name in space.spellings:
                return space
    raise UnknownNameError(f"unknown search space {shown(name)}; known spaces: {', '.join(space_names())} "
                           "(register a new one with clue_plugins.spaces.register_space)")


class SpaceView(Mapping):
    """A read-only mapping computed from the registry, so that it always lists the spaces registered now
    (e.g. NNI name -> our name); the package's old module-level tables are such views. The table is rebuilt
    only after a registration changed the registry (NNI reads these once per trial)."""

    def __init__(self, build: Callable[[], dict], what: str) -> None:
        self._make = build
        self._what = what
        self._table: dict | None = None
        self._generation = -1

    def _build(self) -> dict:
        _load_builtins()
        if self._table is None or self._generation != _GENERATION:
            self._table, self._generation = self._make(), _GENERATION
        return self._table

    def __getitem__(self, key: object) -> object:
        table = self._build()
        try:
            return table[key]
        except (KeyError, TypeError):
            raise UnknownNameError(f"unknown {self._what} {shown(key)}; known: {', '.join(map(str, table))}") from None

    def __iter__(self) -> Iterator:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())

    def get(self, key: object, default: object = None) -> object:
        try:
            return self._build().get(key, default)
        except TypeError:  # an unhashable key
            return default

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._build()
        except TypeError:  # an unhashable key
            return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._build()!r})"


def names_by(attribute: str, what: str) -> SpaceView:
    """View: the ``attribute`` spelling of every space that has one -> our name (``nni_name``, ``naslib_name``)."""
    return SpaceView(lambda: {getattr(s, attribute): s.name for s in spaces() if getattr(s, attribute, None)}, what)

"""The one markdown table writer behind every report (evaluation, oracle, search, the network checks)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clue_plugins.errors import ConfigError, shown


def markdown_table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub markdown table: the header, a ``|---|`` rule, one line per row; no newline at the end.

    Cells are written with ``str``; a ``|`` inside a cell is escaped. ``""`` is an empty cell written
    ``|  |`` (a value missing from a column of values), ``None`` an empty cell written ``| |`` (a column
    that has no value for that kind of row), so that the committed reports stay byte for byte what they were.
    """
    width = len(header)
    lines = [_line(header), "|" + "---|" * width]
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ConfigError(f"table row {i} has {len(row)} cells for {width} columns: {shown(list(row))}")
        lines.append(_line(row))
    return "\n".join(lines)


def _line(cells: Sequence[object]) -> str:
    return "|" + "|".join(" " if c is None else f" {_cell(c)} " for c in cells) + "|"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")

"""Reading genotype text without running it: ``ast`` parsing with the compiler's warnings kept quiet.

Malformed text such as ``1e9abc`` or ``'\\d'`` makes the compiler print a ``SyntaxWarning`` or
``DeprecationWarning`` to stderr; a genotype parser reports its own one-line error instead.
"""

from __future__ import annotations

import ast
import warnings
from typing import Any


def parse_expression(text: str) -> ast.expr:
    """The expression tree of ``text`` (``SyntaxError`` if it is not one expression)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return ast.parse(text, mode="eval").body


def literal(text: str) -> Any:
    """``ast.literal_eval(text)``, never ``eval``: raises ``ValueError``/``SyntaxError`` (and, for absurdly
    nested text, ``RecursionError``/``MemoryError``) on anything that is not a Python literal."""
    return ast.literal_eval(parse_expression(text))

"""The one markdown table writer behind every report."""

import pytest

from clue_plugins._tables import markdown_table
from clue_plugins.errors import ConfigError


def test_header_rule_rows_and_the_two_empty_cells():
    text = markdown_table(["a", "b", "c"], [[1, "", None], ["x|y", 2.5, "z"]])
    assert text == "| a | b | c |\n|---|---|---|\n| 1 |  | |\n| x\\|y | 2.5 | z |"


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ConfigError, match="table row 0 has 2 cells for 3 columns"):
        markdown_table(["a", "b", "c"], [[1, 2]])

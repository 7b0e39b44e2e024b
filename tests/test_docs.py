"""Docs as tests: every layer, filter and command-line option appears in the README.

Each check is a function returning what is missing, with a companion test showing it can fail.
(Settings are checked in ``test_view.py``, the data tables and fields in ``test_records.py``.)
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest

from layers.filters import Filters
from layers.io import export
from layers.layerset import LAYER_NAMES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def undocumented_layers(text: str) -> list[str]:
    return [name for name in LAYER_NAMES if not re.search(rf"^\| `{name}` \|", text, re.M)]


def undocumented_filters(text: str) -> list[str]:
    return [f.name for f in dataclasses.fields(Filters) if f"`{f.name}`" not in text]


def export_options() -> list[str]:
    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    return sorted(
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    )


def undocumented_options(text: str) -> list[str]:
    return [option for option in export_options() if f"`{option}" not in text]


def test_every_layer_has_a_row_in_the_readme() -> None:
    assert undocumented_layers(README) == []


def test_every_filter_is_in_the_readme() -> None:
    assert undocumented_filters(README) == []


def test_every_export_option_is_in_the_readme() -> None:
    assert export_options(), "the export parser defines no options"
    assert undocumented_options(README) == []


@pytest.mark.parametrize(
    "command",
    ["python -m geo geocode", "geocode --file", "python -m geo district", "district --file",
     "python -m layers export", "python -m layers validate", "python -m layers import"],
)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README


def test_the_layer_check_can_fail() -> None:
    assert undocumented_layers("| `sites` | site row |") == [n for n in LAYER_NAMES if n != "sites"]


def test_the_filter_check_can_fail() -> None:
    missing = undocumented_filters("`years` and `search`")
    assert missing == ["include_undated", "districts", "layers"]


def test_the_option_check_can_fail() -> None:
    assert "--years" in undocumented_options("`--district NAME`")

"""Command line of the layers package: ``python -m layers {validate,export,import} ...``.

Each subcommand lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``; this file only dispatches, and imports the one module the chosen
subcommand needs (so ``python -m layers validate`` loads no geopandas).
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

_SUBCOMMANDS = {
    "validate": "Check the data package, quotes, dates, places and people.",
    "export": "Write the filtered layers as GeoJSON, GeoPackage or KML.",
    "import": "Import a CSV, TSV, GeoJSON, GeoPackage or KML list safely.",
}


def _module(command: str) -> ModuleType:
    """Return the module of ``command``, imported now (and only it)."""
    if command == "validate":
        from layers.records import validate

        return validate
    if command == "export":
        from layers.io import export

        return export
    from layers.io import importer

    return importer


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; return its exit status."""
    args_in = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    parsers = {
        name: sub.add_parser(name, help=text, description=text)
        for name, text in _SUBCOMMANDS.items()
    }
    if args_in and args_in[0] in parsers:
        _module(args_in[0]).add_arguments(parsers[args_in[0]])
    args = parser.parse_args(args_in)
    return int(_module(args.command).run(args))


if __name__ == "__main__":
    sys.exit(main())

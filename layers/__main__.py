"""Command line of the layers package: ``python -m layers {validate,export} ...``.

Each subcommand lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``; this file only dispatches, importing the module a subcommand needs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

_SUBCOMMANDS = {
    "validate": ("layers.validate", "Check the data package, quotes, dates, places and people."),
    "export": ("layers.export", "Write the filtered layers as GeoJSON, GeoPackage or KML."),
    "import": ("layers.importer", "Import a CSV, TSV, GeoJSON, GeoPackage or KML list safely."),
}


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in _SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    module = importlib.import_module(_SUBCOMMANDS[args.command][0])
    return int(module.run(args))


if __name__ == "__main__":
    sys.exit(main())

"""``python -m geo``: see :mod:`geo.cli`."""

from __future__ import annotations

from geo.cli import main

raise SystemExit(main())

"""The one error base of the layers package: every error it raises on purpose is a LayersError.

Each subclass also derives from the built-in it stands for (``ValueError`` for bad input,
``LookupError`` for something not found...), carries the offending value as attributes, and
has a message that names it. Boundaries (the command lines, the app) catch
:class:`LayersError` (with :class:`geo.GeoError` for the geo package's) once, and show the
message; anything else is a bug and keeps its traceback.

The subclasses live beside the code that raises them:

- records: :class:`~layers.records.load.RecordsError` (and ``SensitivityError``),
  ``BadDateError``, ``UnknownMeasureError``, ``SourcePathError``, ``FacilityFormatError``,
  ``GeocoderUnavailableError``;
- build: ``UnresolvedPlacesError``, ``ReportTargetError``, ``CacheError``;
- the layer set and filters: ``UnknownLayerError``, ``YearRangeError``;
- settings and URL parameters: ``BadParameterError``;
- render: ``NotOfflineError``;
- io: ``FileImportError``, ``MappingError``, ``EncodingError``, ``UnsafeFileError``,
  ``GeocodeBudgetError``, ``UploadError``, ``ExportFormatError``.
"""

from __future__ import annotations

__all__ = ["LayersError"]


class LayersError(Exception):
    """Base of every error the layers package raises on purpose (see the module docstring)."""

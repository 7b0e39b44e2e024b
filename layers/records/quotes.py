"""Find verbatim quotes in a source text, forgiving only typography.

Both the quote and the text are normalised the same way before a plain substring search:
runs of whitespace (including no-break spaces and line breaks) become one space, typographic
quotation marks and apostrophes become ``"`` and ``'``, and typographic dashes and the minus
sign become ``-``. Nothing else is forgiven: case, spelling, punctuation and ellipses must be
exactly as the source has them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from layers.errors import LayersError
from layers.records.load import SOURCE_DIR_ENV
from layers.records.problem import Problem
from layers.records.tables import RawRow, RawTable

__all__ = [
    "REQUIRE_SOURCES_ENV",
    "MissingSource",
    "QuoteReport",
    "SourcePathError",
    "SourceText",
    "check_quotes",
    "confined_source_path",
    "normalise_quote_text",
    "prove_quotes",
]

#: Environment variable: ``1`` makes a missing source text a validation failure, not a skip.
REQUIRE_SOURCES_ENV = "ATLAS_REQUIRE_SOURCES"

_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´‹›", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−⁃", "-"),
    }
)
_WHITESPACE = re.compile(r"\s+")
#: A URL scheme (``http:``, ``file:``) or a GDAL virtual file system prefix (``/vsicurl/``).
_URL_LIKE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|/vsi)", re.IGNORECASE)


def normalise_quote_text(text: str) -> str:
    """Return ``text`` with whitespace, quotation marks, apostrophes and dashes made plain.

    Examples
    --------
    >>> normalise_quote_text("“Its  end — now”")
    '"Its end - now"'
    """
    return _WHITESPACE.sub(" ", text.translate(_TRANSLATION)).strip()


@dataclass(frozen=True)
class SourceText:
    """A source document, hashed and normalised once for quote look-ups.

    Attributes
    ----------
    path : pathlib.Path
        The file read.
    sha256 : str
        Hex sha256 of the file's bytes.
    paragraphs : tuple of str
        The normalised lines (one paragraph per line), in file order.
    text : str
        The normalised paragraphs joined by single spaces.
    """

    path: Path
    sha256: str
    paragraphs: tuple[str, ...]
    text: str

    @classmethod
    def read(cls, path: Path) -> SourceText:
        """Read, hash and normalise ``path`` (UTF-8).

        Raises
        ------
        OSError
            If the file cannot be read.
        UnicodeDecodeError
            If it is not UTF-8.
        """
        data = Path(path).read_bytes()
        lines = data.decode("utf-8").splitlines()
        paragraphs = tuple(normalise_quote_text(line) for line in lines)
        return cls(
            path=Path(path),
            sha256=hashlib.sha256(data).hexdigest(),
            paragraphs=paragraphs,
            text=" ".join(p for p in paragraphs if p),
        )

    def contains(self, quote: str) -> bool:
        """Whether the normalised ``quote`` occurs in the normalised text."""
        needle = normalise_quote_text(quote)
        return bool(needle) and needle in self.text

    def closest(self, quote: str) -> tuple[int, str, float]:
        """Return the passage most like ``quote``: ``(line, excerpt, score 0-100)``.

        ``line`` is the 1-based line (paragraph) of the file; ``excerpt`` the aligned part of it.
        """
        needle = normalise_quote_text(quote)
        best: tuple[int, str, float] = (0, "", 0.0)
        for number, paragraph in enumerate(self.paragraphs, start=1):
            if not paragraph:
                continue
            alignment = fuzz.partial_ratio_alignment(needle, paragraph)
            if alignment is not None and alignment.score > best[2]:
                excerpt = _whole_words(paragraph, alignment.dest_start, alignment.dest_end)
                best = (number, excerpt, float(alignment.score))
        return best


def _whole_words(text: str, start: int, end: int) -> str:
    """Return ``text[start:end]`` stripped, then widened to whole words."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end].strip()


class SourcePathError(LayersError, ValueError):
    """A ``sources.path`` value that does not name a file inside the source directory.

    Attributes
    ----------
    value : str
        The offending ``path`` value, as ``sources.csv`` has it.
    reason : str
        Why it is refused (``"is an absolute path"``...), to follow the value in a message.
    """

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r} {reason}")
        self.value = value
        self.reason = reason


def confined_source_path(source_dir: Path, name: str) -> Path:
    """Return the file ``name`` names inside ``source_dir``, resolved (symlinks followed).

    Only a plain relative path whose resolved form lies strictly inside the resolved source
    directory is accepted. Nothing is read; whether the file exists is left to the caller.

    Parameters
    ----------
    source_dir : pathlib.Path
        The source directory (it need not exist).
    name : str
        A ``sources.path`` value.

    Returns
    -------
    pathlib.Path
        The resolved path, inside ``source_dir.resolve()``.

    Raises
    ------
    SourcePathError
        If ``name`` is empty, URL-like (``http://...``, ``/vsicurl/...``), absolute, has a
        ``..`` part, cannot be resolved, resolves outside the directory (a symlink pointing
        out), or names a directory or anything but a regular file.

    Examples
    --------
    >>> confined_source_path(Path("/srv/texts"), "../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    layers.records.quotes.SourcePathError: '../etc/passwd' climbs out of the source directory ...
    """
    if not name.strip():
        raise SourcePathError(name, "is empty")
    if "\x00" in name:
        raise SourcePathError(name, "contains a NUL character")
    if _URL_LIKE.match(name) or "://" in name:
        raise SourcePathError(name, "is a URL or a virtual file system path, not a file name")
    relative = Path(name)
    if relative.is_absolute():
        raise SourcePathError(name, "is an absolute path; give it relative to the directory")
    if ".." in relative.parts:
        raise SourcePathError(name, "climbs out of the source directory with '..'")
    base = Path(source_dir).resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
        raise SourcePathError(name, f"cannot be resolved ({exc.__class__.__name__})") from None
    if target == base:
        raise SourcePathError(name, "names the source directory itself, not a file in it")
    if not target.is_relative_to(base):
        raise SourcePathError(name, "resolves outside the source directory (a symlink?)")
    if target.is_dir():
        raise SourcePathError(name, "names a directory, not a file")
    if target.exists() and not target.is_file():
        raise SourcePathError(name, "is not a regular file")
    return target


@dataclass(frozen=True)
class MissingSource:
    """A source text ``sources.csv`` names that is not on this machine.

    Attributes
    ----------
    source_id : str
        The source's ``id``.
    path : str
        Its ``path`` value (relative to the source directory).
    sha256 : str
        The ``sha256`` recorded for it (empty if none is).
    line : int
        Its line in ``sources.csv``.
    quotes : int
        How many quotes cite it (none of them was checked).
    reason : str
        ``"the source directory does not exist"`` or ``"no such file"``.
    """

    source_id: str
    path: str
    sha256: str
    line: int
    quotes: int
    reason: str

    def describe(self) -> str:
        """Return ``'id': 'path', sha256 '...' (N quotes)`` for the skip notice."""
        sha = repr(self.sha256) if self.sha256 else "not recorded"
        return f"{self.source_id!r}: {self.path!r}, sha256 {sha} ({self.quotes} quotes)"


@dataclass(frozen=True)
class QuoteReport:
    """What :func:`prove_quotes` found: problems, missing texts and what was checked.

    Attributes
    ----------
    source_dir : pathlib.Path
        The source directory, resolved.
    sources_file : str
        The file of the ``sources`` table (``"sources.csv"``), for problems.
    problems : tuple of Problem
        Bad paths, unreadable texts, sha256 mismatches and quotes not found. Missing texts
        are not among them (see :attr:`missing` and :meth:`missing_problems`).
    missing : tuple of MissingSource
        Source texts not on this machine: their quotes were not checked.
    sources : int
        Source texts read and hashed.
    quotes : int
        Quotes checked against a text (found or not).
    unchecked : int
        Quotes not checked: their text is missing, unreadable or refused, or the package
        has no ``sources`` table.
    """

    source_dir: Path
    sources_file: str
    problems: tuple[Problem, ...] = ()
    missing: tuple[MissingSource, ...] = ()
    sources: int = 0
    quotes: int = 0
    unchecked: int = 0

    @property
    def skipped(self) -> bool:
        """Whether some source text is missing, so the quote proof was (partly) skipped."""
        return bool(self.missing)

    @property
    def proven(self) -> bool:
        """Whether every quote was found in its source text, whose sha256 matched."""
        return not self.problems and not self.missing and self.unchecked == 0

    def _where(self, them: str = "them") -> str:
        exists = "" if self.source_dir.is_dir() else " (it does not exist)"
        return (
            f"put {them} in {str(self.source_dir)!r}{exists}, or give the directory holding "
            f"{them} with --sources DIR or ${SOURCE_DIR_ENV}"
        )

    def notice(self) -> str:
        """Return the loud skip notice naming every missing text ('' when none is missing)."""
        if not self.missing:
            return ""
        count, n = sum(m.quotes for m in self.missing), len(self.missing)
        texts = "1 source text is" if n == 1 else f"{n} source texts are"
        lines = [
            f"quote proof SKIPPED: {texts} missing, so {count} quotes were not proven verbatim "
            "(the texts are not in the repository: copyright):"
        ]
        lines += [f"  - {m.describe()}: {m.reason}" for m in self.missing]
        where = self._where("it" if n == 1 else "them")
        lines.append(
            f"To prove them, {where}. Set {REQUIRE_SOURCES_ENV}=1 (as CI does) to make a "
            "missing text a failure."
        )
        return "\n".join(lines)

    def missing_problems(self) -> list[Problem]:
        """Return one problem per missing text, for when the texts are required."""
        return [
            Problem(
                self.sources_file,
                m.line,
                "path",
                f"cannot read {m.path!r} in {str(self.source_dir)!r}: {m.reason}; {m.quotes} "
                f"quotes citing {m.source_id!r} were not checked (expected sha256 "
                f"{m.sha256!r}); {self._where('it')} ({REQUIRE_SOURCES_ENV}=1 requires the "
                "texts)",
            )
            for m in self.missing
        ]


def _quoted_tables(tables: dict[str, RawTable]) -> list[RawTable]:
    return [
        table
        for table in tables.values()
        if {"quote", "source_id"} <= {f["name"] for f in table.fields()}
    ]


def prove_quotes(tables: dict[str, RawTable], source_dir: Path) -> QuoteReport:
    """Check source files exist with the recorded sha256 and hold every row's quote.

    Only files that :func:`confined_source_path` accepts are ever opened: a ``path`` that is
    absolute, climbs out with ``..``, is URL-like, or resolves outside ``source_dir`` through
    a symlink is a problem and nothing is read from it, so no sha256 or passage of a file
    outside the source directory can appear in a message.

    Parameters
    ----------
    tables : dict of str to RawTable
        The package read as text; ``sources`` names the files, every table with ``quote`` and
        ``source_id`` fields is checked.
    source_dir : pathlib.Path
        Directory holding the files named by ``sources.path``.

    Returns
    -------
    QuoteReport
        One problem per refused path, unreadable file or sha256 mismatch, then one per quote
        not found; a missing directory or file is listed in ``missing``, not as a problem.
    """
    source_dir = Path(source_dir).resolve()
    quoted = _quoted_tables(tables)
    cited = _citations(quoted)
    sources = tables.get("sources")
    if sources is None:
        return QuoteReport(source_dir, "sources.csv", unchecked=sum(cited.values()))
    problems, missing, texts = _read_sources(sources, source_dir, cited)
    not_found, checked = _find_quotes(quoted, texts)
    return QuoteReport(
        source_dir,
        sources.file,
        problems=tuple(problems + not_found),
        missing=tuple(missing),
        sources=len(texts),
        quotes=checked,
        unchecked=sum(cited.values()) - checked,
    )


def _citations(quoted: list[RawTable]) -> dict[str, int]:
    """Return source id -> how many rows of the ``quoted`` tables quote it."""
    cited: dict[str, int] = {}
    for table in quoted:
        for row in table:
            if row.get("quote"):
                cited[row.get("source_id")] = cited.get(row.get("source_id"), 0) + 1
    return cited


def _read_sources(
    sources: RawTable, source_dir: Path, cited: dict[str, int]
) -> tuple[list[Problem], list[MissingSource], dict[str, SourceText]]:
    """Read every text the ``sources`` table names (rows without id or path are skipped).

    Parameters
    ----------
    sources : RawTable
        The ``sources`` table.
    source_dir : pathlib.Path
        The resolved source directory.
    cited : dict of str to int
        Source id -> number of quotes citing it (:func:`_citations`).

    Returns
    -------
    tuple
        ``(problems, missing, texts)``: refused paths, unreadable files and sha256
        mismatches in row order; the texts not on this machine; source id -> text read.
    """
    dir_exists = source_dir.is_dir()
    problems: list[Problem] = []
    missing: list[MissingSource] = []
    texts: dict[str, SourceText] = {}
    for row in sources:
        source_id = row.get("id")
        if not source_id or not row.get("path"):
            continue
        found = _open_source(
            row, sources.file, source_dir, dir_exists=dir_exists, quotes=cited.get(source_id, 0)
        )
        if isinstance(found, MissingSource):
            missing.append(found)
        elif isinstance(found, Problem):
            problems.append(found)
        else:
            texts[source_id] = found
            mismatch = _sha256_problem(row, sources.file, found)
            if mismatch is not None:
                problems.append(mismatch)
    return problems, missing, texts


def _open_source(
    row: RawRow, file: str, source_dir: Path, *, dir_exists: bool, quotes: int
) -> SourceText | MissingSource | Problem:
    """Return the text a ``sources`` row names, or why it was not read.

    Parameters
    ----------
    row : RawRow
        A ``sources`` row with an ``id`` and a ``path``.
    file : str
        The ``sources`` table's file, for problems.
    source_dir : pathlib.Path
        The resolved source directory.
    dir_exists : bool
        Whether ``source_dir`` is a directory.
    quotes : int
        How many quotes cite this source (for the messages).

    Returns
    -------
    SourceText or MissingSource or Problem
        The text; a missing text (no directory or no file); or a problem for a path
        :func:`confined_source_path` refuses or a file that cannot be read.
    """
    source_id, name = row.get("id"), row.get("path")
    unchecked = f"{quotes} quotes citing {source_id!r} were not checked"
    try:
        path = confined_source_path(source_dir, name)
    except SourcePathError as exc:
        msg = (
            f"source {source_id!r}: path {exc.value!r} {exc.reason}; a source path must "
            f"name a file inside {str(source_dir)!r}: nothing was read from it and "
            f"{unchecked}"
        )
        return Problem(file, row.line, "path", msg)
    if not dir_exists or not path.exists():
        reason = "the source directory does not exist" if not dir_exists else "no such file"
        return MissingSource(source_id, name, row.get("sha256"), row.line, quotes, reason)
    try:
        return SourceText.read(path)
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read {name!r} in {str(source_dir)!r} ({exc.__class__.__name__}); {unchecked}"
        return Problem(file, row.line, "path", msg)


def _sha256_problem(row: RawRow, file: str, text: SourceText) -> Problem | None:
    """Return a problem if the row records a sha256 other than the text's, else None."""
    expected = row.get("sha256")
    if expected and expected != text.sha256:
        msg = (
            f"{expected!r} is not the sha256 of {row.get('path')!r} (it is {text.sha256!r}): "
            "the text changed since its quotes were checked; check them again, then update "
            "sha256"
        )
        return Problem(file, row.line, "sha256", msg)
    return None


def _find_quotes(quoted: list[RawTable], texts: dict[str, SourceText]) -> tuple[list[Problem], int]:
    """Look for every quote whose source text was read.

    Returns
    -------
    tuple
        ``(problems, checked)``: one problem per quote not in its text, and the number of
        quotes checked (found or not).
    """
    problems: list[Problem] = []
    checked = 0
    for table in quoted:
        for row in table:
            quote, text_of = row.get("quote"), texts.get(row.get("source_id"))
            if not quote or text_of is None:
                continue
            checked += 1
            if text_of.contains(quote):
                continue
            line, excerpt, score = text_of.closest(quote)
            msg = f"{quote!r} is not in {text_of.path.name!r}"
            if score > 0:
                msg += f" (closest: line {line}, {excerpt!r}, score {score:.0f})"
            problems.append(Problem(table.file, row.line, "quote", msg))
    return problems, checked


def check_quotes(
    tables: dict[str, RawTable], source_dir: Path, *, require_sources: bool = True
) -> list[Problem]:
    """Return the problems of :func:`prove_quotes`, missing texts too when they are required.

    Parameters
    ----------
    tables : dict of str to RawTable
        The package read as text.
    source_dir : pathlib.Path
        Directory holding the files named by ``sources.path``.
    require_sources : bool
        Whether a missing source directory or file is a problem (one per source).
    """
    report = prove_quotes(tables, source_dir)
    extra = report.missing_problems() if require_sources else []
    return list(report.problems) + extra

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

from layers._problem import Problem
from layers._tables import RawTable
from layers.records import SOURCE_DIR_ENV

__all__ = ["SourceText", "check_quotes", "normalise_quote_text"]

_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´‹›", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−⁃", "-"),
    }
)
_WHITESPACE = re.compile(r"\s+")


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


def check_quotes(tables: dict[str, RawTable], source_dir: Path) -> list[Problem]:
    """Check source files exist with the recorded sha256 and hold every row's quote.

    Parameters
    ----------
    tables : dict of str to RawTable
        The package read as text; ``sources`` names the files, every table with ``quote`` and
        ``source_id`` fields is checked.
    source_dir : pathlib.Path
        Directory holding the files named by ``sources.path``.

    Returns
    -------
    list of Problem
        A missing directory is one problem; a missing or unreadable file one per source; a
        hash mismatch one per source; then one per quote not found.
    """
    sources = tables.get("sources")
    if sources is None:
        return []
    quoted = [
        table
        for table in tables.values()
        if {"quote", "source_id"} <= {f["name"] for f in table.fields()}
    ]
    cited: dict[str, int] = {}
    for table in quoted:
        for row in table:
            if row.get("quote"):
                cited[row.get("source_id")] = cited.get(row.get("source_id"), 0) + 1
    if not Path(source_dir).is_dir():
        msg = (
            f"source directory {str(source_dir)!r} does not exist: no quote was checked "
            f"({sum(cited.values())} quotes); give it with --sources DIR or ${SOURCE_DIR_ENV}"
        )
        return [Problem(sources.file, None, "path", msg)]
    problems: list[Problem] = []
    texts: dict[str, SourceText] = {}
    for row in sources:
        source_id, name = row.get("id"), row.get("path")
        if not source_id or not name:
            continue
        path = Path(source_dir) / name
        try:
            text = SourceText.read(path)
        except (OSError, UnicodeDecodeError) as exc:
            msg = (
                f"cannot read {name!r} in {str(source_dir)!r} ({exc.__class__.__name__}); "
                f"{cited.get(source_id, 0)} quotes citing {source_id!r} were not checked"
            )
            problems.append(Problem(sources.file, row.line, "path", msg))
            continue
        texts[source_id] = text
        expected = row.get("sha256")
        if expected and expected != text.sha256:
            msg = (
                f"{expected!r} is not the sha256 of {name!r} (it is {text.sha256!r}): the text "
                "changed since its quotes were checked; check them again, then update sha256"
            )
            problems.append(Problem(sources.file, row.line, "sha256", msg))
    for table in quoted:
        for row in table:
            quote, text_of = row.get("quote"), texts.get(row.get("source_id"))
            if not quote or text_of is None or text_of.contains(quote):
                continue
            line, excerpt, score = text_of.closest(quote)
            msg = f"{quote!r} is not in {text_of.path.name!r}"
            if score > 0:
                msg += f" (closest: line {line}, {excerpt!r}, score {score:.0f})"
            problems.append(Problem(table.file, row.line, "quote", msg))
    return problems

"""Text encoding of imported files: detect it, decode without silent replacement.

UTF-8 is tried first (the whole file, streamed). A file that is mostly valid UTF-8 with a few
bad bytes stays UTF-8 and the bad bytes are reported; anything else goes to charset-normalizer,
limited to the encodings researchers' files really come in (Windows and DOS code pages, Cyrillic,
Chinese). Decoding uses ``errors="surrogateescape"``: an undecodable byte becomes a lone
surrogate (U+DC80..U+DCFF) that :func:`undecodable_bytes` finds, so the importer can reject the
row that holds it, naming the byte, instead of replacing it with ``?`` or U+FFFD.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import charset_normalizer

from layers.errors import LayersError

__all__ = [
    "CANDIDATE_ENCODINGS",
    "EncodingError",
    "EncodingGuess",
    "detect_encoding",
    "open_text",
    "undecodable_bytes",
]

logger = logging.getLogger(__name__)

CANDIDATE_ENCODINGS = (
    "cp1252",
    "latin_1",
    "cp437",
    "cp850",
    "cp1251",
    "koi8_r",
    "gb18030",
    "big5",
)
"""Encodings charset-normalizer may choose among when a file is not UTF-8."""

_WESTERN = frozenset({"cp1252", "iso8859-1"})
_CHUNK = 1 << 20
_SAMPLE = 4 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SURROGATE = re.compile("[\udc80-\udcff]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CASE_CHANGE = re.compile(r"[^\W\d_](?<=[a-zà-ÿа-яё])[A-ZÀ-ÞА-ЯЁ]")
_NONWORD = re.compile(r"[^\w\s\x00-\x7f]", re.UNICODE)
_COMMON_SYMBOLS = frozenset("–—‘’“”«»°№·•…\u00a0§©®€£¥½¼¾±×÷¿¡")


class EncodingError(LayersError, ValueError):
    """The encoding of a file cannot be told, or the one given is unknown.

    Parameters
    ----------
    message : str
        The full message, naming the file.
    path : str
        The file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class EncodingGuess:
    """How a file will be decoded.

    Attributes
    ----------
    encoding : str
        A Python codec name.
    method : str
        ``"given"`` (mapping or command line), ``"bom"``, ``"utf-8"`` or
        ``"detected"`` (charset-normalizer candidates ranked by word plausibility).
    undecodable : int
        Bytes that cannot be decoded with ``encoding`` (counted while detecting UTF-8; 0 when
        another method chose the encoding and the count is made while reading).
    """

    encoding: str
    method: str
    undecodable: int = 0

    def describe(self) -> str:
        """Return a one-line description for the import report."""
        text = f"{self.encoding} ({self.method})"
        if self.undecodable:
            text += f", {self.undecodable} undecodable byte(s)"
        return text


def _utf8_scan(path: Path) -> tuple[int, int]:
    """Return (undecodable bytes, valid non-ASCII characters) of ``path`` read as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    bad = good = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            text = decoder.decode(chunk)
            if text.isascii():
                continue
            n_bad = len(_SURROGATE.findall(text))
            bad += n_bad
            good += sum(1 for ch in text if ord(ch) > 127) - n_bad
        text = decoder.decode(b"", final=True)
        n_bad = len(_SURROGATE.findall(text))
        bad += n_bad
        good += sum(1 for ch in text if ord(ch) > 127) - n_bad
    return bad, good


def detect_encoding(path: str | os.PathLike[str], *, given: str | None = None) -> EncodingGuess:
    """Tell how to decode ``path``.

    Parameters
    ----------
    path : path-like
        The file.
    given : str, optional
        An encoding named by the user (mapping file or ``--encoding``); checked to be a known
        codec and used as is.

    Returns
    -------
    EncodingGuess

    Raises
    ------
    EncodingError
        If ``given`` is not a codec Python knows, or no candidate encoding fits the bytes.
    """
    file = Path(path)
    if given:
        try:
            name = codecs.lookup(given).name
        except LookupError:
            msg = f"{str(file)!r}: unknown encoding {given!r}"
            raise EncodingError(msg, path=str(file)) from None
        return EncodingGuess(name, "given")
    with file.open("rb") as handle:
        head = handle.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return EncodingGuess(name, "bom")
    bad, good = _utf8_scan(file)
    if bad == 0:
        return EncodingGuess("utf-8", "utf-8")
    if good > 0 and bad <= good:
        # Real UTF-8 text (it has valid multi-byte characters) with a few broken bytes: keep
        # UTF-8 and report the bytes rather than misreading every accented letter.
        logger.info("%s: UTF-8 with %d undecodable byte(s)", file, bad)
        return EncodingGuess("utf-8", "utf-8", bad)
    with file.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    guessed = _best_single_guess(sample)
    if guessed is None:
        msg = (
            f"{str(file)!r}: not UTF-8 ({bad} undecodable byte(s)) and no known encoding fits; "
            "name it with --encoding or the mapping's 'encoding'"
        )
        raise EncodingError(msg, path=str(file))
    logger.info("%s: read as %s", file, guessed)
    return EncodingGuess(guessed, "detected")


def _best_single_guess(sample: bytes) -> str | None:
    """Return the most plausible encoding of ``sample``, or None if none decodes it.

    charset-normalizer proposes; the proposals and :data:`CANDIDATE_ENCODINGS` are re-ranked by
    :func:`_plausibility`, because on files with few non-ASCII bytes charset-normalizer alone
    misreads (measured: the BuzzFeed list in CP437 came out as gb18030, a Latin-1 copy as
    cp850).
    """
    proposals = [
        codecs.lookup(match.encoding).name
        for match in charset_normalizer.from_bytes(sample, cp_isolation=list(CANDIDATE_ENCODINGS))
    ]
    ranked: list[tuple[int, int, str]] = []
    order = list(dict.fromkeys([*proposals, *(codecs.lookup(c).name for c in CANDIDATE_ENCODINGS)]))
    for index, name in enumerate(order):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError as exc:
            # A sample cut inside a multi-byte character fails only at its very end.
            if exc.start < len(sample) - 4:
                continue
            text = sample[: exc.start].decode(name)
        ranked.append((_plausibility(text, name), -index, name))
    if not ranked:
        return None
    best = max(ranked)[2]
    if _mostly_ascii(sample):
        # A few accented letters in English-language text: Windows-1252 (or Latin-1) unless its
        # reading is implausible. A DOS code page or GB18030 can score higher on a handful of
        # bytes ("50°N" read as GB18030 is one CJK "word"), which turns them into mojibake.
        western = [r for r in ranked if r[2] in _WESTERN and r[0] >= 0]
        if western:
            return max(western)[2]
    return best


def _mostly_ascii(sample: bytes) -> bool:
    """Whether at most 1 byte in 10 of ``sample`` is outside ASCII."""
    high = sum(1 for byte in sample if byte > 0x7F)
    return high * 10 <= len(sample)


def _script(ch: str) -> str:
    """Return the first word of a character's Unicode name (LATIN, CYRILLIC, CJK...)."""
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def _plausibility(text: str, encoding: str) -> int:
    """Score a decoding by its non-ASCII bytes: in plausible words for, elsewhere against.

    A plausible word is letters of one script without a lower-to-upper case change inside.
    ``Ürümqi`` read right is one Latin word (+2); read as CP1251 it is ``Ьrьmqi``, Cyrillic
    mixed into a Latin word (-2); Latin-1 bytes read as CP437 give block characters (-1 each);
    Chinese in GB18030 read as CP1251 gives Cyrillic words with random case changes.
    """
    score = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        weight = len(word.encode(encoding, errors="replace")) - sum(ch.isascii() for ch in word)
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        scripts.discard("MODIFIER")
        if len(scripts) == 1 and not _CASE_CHANGE.search(word):
            score += weight
        else:
            score -= weight
    for ch in _NONWORD.findall(text):
        if ch not in _COMMON_SYMBOLS:
            score -= 1
    return score


def open_text(path: str | os.PathLike[str], encoding: str) -> TextIO:
    """Open ``path`` for streaming text reading; undecodable bytes become lone surrogates.

    Parameters
    ----------
    path : path-like
        The file.
    encoding : str
        A codec name, as :func:`detect_encoding` returns.

    Returns
    -------
    TextIO
        A text stream opened with ``newline=""`` (what :mod:`csv` needs).
    """
    return Path(path).open(encoding=encoding, errors="surrogateescape", newline="")


def undecodable_bytes(text: str) -> list[int]:
    """Return the raw byte values hidden in ``text`` by ``surrogateescape`` decoding."""
    return [ord(ch) - 0xDC00 for ch in _SURROGATE.findall(text)]

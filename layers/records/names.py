"""Normalise personal names across spellings, to catch one person entered twice.

The sources spell the same Kazakh or Uyghur name many ways (Tursynai Ziyaud / Ziaud,
Musahanouly / Mussahanuly, Sayragul / Sairagul, Сайрагүл). :func:`name_key` folds the variation
that carries no meaning: script (anyascii), case, punctuation, doubled letters, the common
romanisation pairs (ou/u, y/i, zh/j, kh/h, q/k, w/u) and the patronymic suffixes (-uly, -ulu,
-kyzy, -qizi, -ogly ...), and sorts the words so that order does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz, process

__all__ = ["NameMatch", "find_similar_names", "name_key"]

#: Score (rapidfuzz ``token_sort_ratio`` of the keys, 0-100) from which two names are flagged.
DEFAULT_THRESHOLD = 90.0

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"(.)\1+")
# Applied in order, after anyascii and casefold.
_LETTER_RULES: tuple[tuple[str, str], ...] = (
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ou", "u"),
    ("q", "k"),
    ("w", "u"),
    ("y", "i"),
)
# Patronymic suffixes as they look after the letter rules (uly -> uli, kyzy/qizi -> kizi).
_PATRONYMIC = ("kizi", "gizi", "ogli", "oglu", "uli", "ulu")
_MIN_STEM = 3


def _word_key(word: str) -> str:
    """Return the folded form of one lower-case ASCII word (empty for a bare patronymic)."""
    for old, new in _LETTER_RULES:
        word = word.replace(old, new)
    word = _REPEATS.sub(r"\1", word)
    for suffix in _PATRONYMIC:
        if word == suffix:
            return ""
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def name_key(name: str) -> str:
    """Return the normalised form of a personal name; equal keys mean "same name".

    Examples
    --------
    >>> name_key("Musahanouly") == name_key("Mussahanuly")
    True
    >>> name_key("Ziyaud, Tursynai")
    'tursinai ziaud'
    """
    ascii_text = anyascii(name).casefold()
    words = (_word_key(word) for word in _NON_ALNUM.sub(" ", ascii_text).split())
    return " ".join(sorted(word for word in words if word))


@dataclass(frozen=True)
class NameMatch:
    """Two different people whose names or aliases look like one person's.

    Attributes
    ----------
    first_id, second_id : str
        The people's ids (``first_id`` comes first in the table).
    first_spelling, second_spelling : str
        The spellings (name or alias) that matched, as written.
    score : float
        100 for keys that are equal, else the rapidfuzz ``token_sort_ratio`` of the keys.
    """

    first_id: str
    first_spelling: str
    second_id: str
    second_spelling: str
    score: float


def find_similar_names(
    people: Sequence[tuple[str, Iterable[str]]], *, threshold: float = DEFAULT_THRESHOLD
) -> list[NameMatch]:
    """Return every pair of different people with a pair of matching spellings.

    Parameters
    ----------
    people : sequence of (id, spellings)
        Each person's id with their name and aliases, in table order.
    threshold : float
        Keys scoring at least this (``token_sort_ratio``, 0-100) match; equal keys always do.

    Returns
    -------
    list of NameMatch
        The best-scoring spelling pair of each matching pair of people, in table order.
    """
    owners: list[int] = []
    spellings: list[str] = []
    keys: list[str] = []
    for index, (_, names) in enumerate(people):
        for spelling in names:
            key = name_key(spelling)
            if key:
                owners.append(index)
                spellings.append(spelling)
                keys.append(key)
    if not keys:
        return []
    scores = process.cdist(
        keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, workers=1
    )
    best: dict[tuple[int, int], NameMatch] = {}
    for i, j in zip(*scores.nonzero(), strict=True):
        a, b = owners[int(i)], owners[int(j)]
        if a >= b:
            continue
        score = 100.0 if keys[int(i)] == keys[int(j)] else float(scores[i, j])
        current = best.get((a, b))
        if current is None or score > current.score:
            best[(a, b)] = NameMatch(
                first_id=people[a][0],
                first_spelling=spellings[int(i)],
                second_id=people[b][0],
                second_spelling=spellings[int(j)],
                score=score,
            )
    return [best[pair] for pair in sorted(best)]

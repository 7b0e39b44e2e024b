"""Normalised keys of place names, from strict to loose.

Three keys, each looser than the one before:

- :func:`exact_key`: case-, diacritic-, punctuation- and spacing-insensitive, script kept.
  ``"Bouryltogay"`` and ``"bouryltogay "`` share it; ``"福海县"`` and ``"福海"`` do not.
- :func:`translit_key`: every script to ASCII (Uyghur Arabic by the ULY table below, the rest by
  anyascii), administrative suffix words dropped in all scripts (county, 县, ауданы, nahiyisi...),
  and romanisation variants folded (ch/sh/c/x/ç/ş, zh/j/dzh, q/k/g, gh/g, ou/u, ö/o, ü/u,
  ä/e/ə/a, y/i, w/v, doubled letters, hyphens and spaces). It also reports what kind of unit a
  dropped suffix named (:data:`SUFFIX_KINDS`), so ``"Hotan County"`` can prefer the county.
- :func:`skeleton`: the transliteration key with every vowel run replaced by ``V``, for vowel
  variants no one wrote down (``Shapshal``/``Shapshyl``, ``Nylky``/``Nilka``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

__all__ = [
    "SUFFIX_KINDS", "exact_key", "plain_key", "skeleton", "suffix_country", "translit_key"
]

#: The kinds of unit a suffix word can name. ``district`` is any administrative unit (the source
#: says "Bouryltogay district" for a county and "Ili-Kazakh district" for a prefecture).
SUFFIX_KINDS = ("settlement", "city", "county", "prefecture", "region", "district")

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u02bb\u0060\u00b4\u02b9\u02c8\u2032]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.,;:/()\[\]\"«»“”]+")

# Letters whose ASCII form anyascii gets wrong for folding (it drops the hook of ş, ç, ğ).
_LATIN_PREMAP = str.maketrans(
    {
        "ş": "sh", "ș": "sh", "š": "sh", "ç": "ch", "č": "ch", "ž": "zh", "ğ": "gh",
        "ƣ": "gh", "ə": "a", "ä": "a", "ö": "o", "ɵ": "o", "ü": "u", "ı": "i", "ñ": "ng",
        "ŋ": "ng", "ë": "e", "ķ": "k", "ӊ": "ng",
    }
)

# Uyghur Arabic script (UEY) to Uyghur Latin (ULY), the official one-to-one letter table.
# anyascii drops the vowels of this fully vocalised script ("ئالتاي" -> "i'lty").
_UYGHUR_ARABIC = str.maketrans(
    {
        "ئ": "", "ا": "a", "ە": "e", "ه": "e", "ب": "b", "پ": "p", "ت": "t", "ج": "j",
        "چ": "ch", "خ": "x", "د": "d", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh",
        "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ک": "k", "گ": "g", "ڭ": "ng", "ل": "l",
        "م": "m", "ن": "n", "ھ": "h", "و": "o", "ۇ": "u", "ۆ": "ö", "ۈ": "ü", "ۋ": "w",
        "ې": "ë", "ى": "i", "ي": "y", "ی": "y", "ٴ": "", "ء": "", "ٵ": "a", "ٶ": "w",
        "ٷ": "u", "ٸ": "y", "ۉ": "o", "ۅ": "o", "ح": "h", "ع": "", "ة": "e", "آ": "a",
        "أ": "a", "إ": "i", "\u200c": "", "\u200d": "", "\u0640": "",
    }
)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Chinese administrative suffixes, longest first, with the kind of unit they name.
_ZH_AUTONOMY = re.compile(
    r"(维吾尔|哈萨克|蒙古|锡伯|塔吉克|回族|柯尔克孜|克尔克孜)?自治(区|州|县)$"
)
_ZH_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("街道", "settlement"),
    ("地区", "prefecture"),
    ("县", "county"),
    ("市", "city"),
    ("区", "district"),
    ("州", "prefecture"),
    ("盟", "prefecture"),
    ("旗", "county"),
    ("镇", "settlement"),
    ("乡", "settlement"),
    ("村", "settlement"),
    ("省", "region"),
)
_ZH_AUTONOMY_KINDS = {"区": "region", "州": "prefecture", "县": "county"}

# Suffix words after transliteration (lower-case ASCII tokens) and the kind each names.
_SUFFIX_WORDS: dict[str, str] = {
    # counties
    "county": "county", "xian": "county", "nahiyisi": "county", "nahiyesi": "county",
    "nahiye": "county", "nahiya": "county", "audany": "county", "audani": "county",
    "audan": "county", "zizhixian": "county", "okiasi": "county",
    # cities
    "city": "city", "shi": "city", "shehiri": "city", "sheher": "city", "shahri": "city",
    "shahar": "city", "shaary": "city", "qalasy": "city", "kalasy": "city", "qalasi": "city",
    "gorod": "city", "shiqu": "city",
    # prefectures
    "prefecture": "prefecture", "zhou": "prefecture", "zizhizhou": "prefecture",
    "diqu": "prefecture", "wilayiti": "prefecture", "vilayiti": "prefecture",
    "wilayet": "prefecture", "aimag": "region", "aymag": "region", "aimak": "region",
    # regions
    "region": "region", "oblast": "region", "oblasts": "region", "oblysy": "region",
    "oblisi": "region", "oblys": "region", "zizhiqu": "region", "province": "region",
    "sheng": "region", "krai": "region", "kray": "region", "respublika": "region",
    "oblastu": "region",
    # any administrative unit
    "district": "district", "rayon": "district", "raion": "district", "rayoni": "district",
    "raioni": "district", "raiony": "district", "rajon": "district", "oblasti": "district",
    "okrug": "district", "okrugi": "district", "okrugy": "district", "area": "district",
    "rayonu": "district", "raionu": "district", "rayony": "district",
    # settlements
    "town": "settlement", "village": "settlement", "zhen": "settlement",
    "xiang": "settlement", "cun": "settlement", "aul": "settlement", "auyl": "settlement",
    "auyly": "settlement", "auly": "settlement", "aūyly": "settlement", "selo": "settlement",
    "poselok": "settlement", "posyolok": "settlement", "posiolok": "settlement",
    "kenti": "settlement", "yezisi": "settlement", "baziri": "settlement",
    "kyshtak": "settlement", "kishlak": "settlement", "qishlaq": "settlement",
    "jiedao": "settlement", "settlement": "settlement", "khutor": "settlement",
}
# Words dropped without naming a kind of unit.
_NOISE_WORDS = frozenset(
    {
        "autonomous", "aptonom", "aptonomi", "apotonom", "avtonomnyy", "avtonomnaya",
        "avtonomnyi", "avtonomnoi", "zizhi", "of", "the",
    }
)
# Ethnic words in the names of autonomous units, dropped only beside an autonomy word
# ("Ili Kazakh Autonomous Prefecture"), never alone ("Uygur District" keeps "uygur").
_ETHNIC_WORDS = frozenset(
    {
        "kazakh", "kazak", "qazaq", "kazakhskii", "mongol", "mongolian", "mongghul",
        "monggol", "menggu", "xibe", "sibe", "xibo", "hui", "huizu", "xuyzu", "kirghiz",
        "kyrgyz", "qirghiz", "kirgiz", "kezilesu", "tajik", "tajiki", "tadzhik", "uyghur",
        "uygur", "uighur", "weiwuer", "hasake", "keerkezi", "tajike", "zu",
    }
)
_AUTONOMY_WORDS = frozenset(
    {"autonomous", "aptonom", "aptonomi", "apotonom", "avtonomnyy", "avtonomnaya", "zizhi",
     "zizhizhou", "zizhixian", "zizhiqu", "avtonomnyi", "avtonomnoi"}
)
_KIND_RANK = {kind: rank for rank, kind in enumerate(SUFFIX_KINDS)}

_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"shch", "s"),
        (r"dzh|dj|zh|jh", "j"),
        (r"kh", "h"),
        (r"gh", "g"),
        (r"tch|tsh|ch|sh|ts|c|x", "s"),
        (r"ck|q|g", "k"),
        (r"w", "v"),
        (r"ou|oo", "u"),
        (r"e", "a"),
        (r"y", "i"),
        (r"^i(?=[aiou])", ""),
        (r"(.)\1+", r"\1"),
        (r"(?<=[aiou][nlr])d$", "t"),
    )
)
_VOWELS = re.compile(r"[aeiou]+")


@lru_cache(maxsize=200_000)
def exact_key(text: str) -> str:
    """Return the strict key: case, diacritics, apostrophes, hyphens and spacing ignored.

    Parameters
    ----------
    text : str
        A place name in any script.

    Returns
    -------
    str
        The key; the script is kept, so Chinese, Cyrillic and Latin forms stay apart.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text)
    return _SEPARATORS.sub(" ", text).strip()


def _strip_chinese(text: str) -> tuple[str, str | None]:
    """Drop a Chinese administrative suffix, keeping at least two characters."""
    kind: str | None = None
    match = _ZH_AUTONOMY.search(text)
    if match and match.start() >= 2:
        kind = _ZH_AUTONOMY_KINDS[match.group(2)]
        return text[: match.start()], kind
    for suffix, suffix_kind in _ZH_SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)], suffix_kind
    return text, kind


def _to_ascii(text: str) -> str:
    """Transliterate any script to lower-case ASCII."""
    if _ARABIC.search(text):
        text = text.translate(_UYGHUR_ARABIC)
    text = text.translate(_LATIN_PREMAP)
    return anyascii(text).casefold()


def _head_kind(kinds: list[str]) -> str | None:
    """Return the kind named by the last suffix word that names one (the head noun)."""
    named = [k for k in kinds if k]
    return named[-1] if named else None


def _fold(text: str) -> str:
    """Fold romanisation variants of one joined lower-case ASCII string."""
    for pattern, replacement in _FOLDS:
        text = pattern.sub(replacement, text)
    return text


# Suffix words used only for places in China (Chinese, pinyin and Uyghur forms): a name that
# carries one is a Chinese place, whatever its stem looks like elsewhere.
_CHINA_ONLY_WORDS = frozenset(
    {
        "xian", "zhen", "xiang", "cun", "diqu", "zizhizhou", "zizhixian", "zizhiqu", "jiedao",
        "nahiyisi", "nahiyesi", "nahiye", "wilayiti", "vilayiti", "shehiri", "yezisi",
        "baziri", "shiqu", "shi",
    }
)


@lru_cache(maxsize=200_000)
def suffix_country(text: str) -> str | None:
    """Return ``"CN"`` if the name carries a suffix used only for places in China, else None.

    Chinese administrative characters (县, 市, 镇...) and the Uyghur and pinyin suffix words
    (nahiyisi, shehiri, xian, zhen...) name Chinese units only; Kazakh and Russian suffixes
    (audany, oblysy, район) are used on both sides of the border and say nothing.

    Examples
    --------
    >>> suffix_country("Wensu Xian"), suffix_country("Kunes audany")
    ('CN', None)
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if _CJK.search(text) and _strip_chinese(text)[1] is not None:
        return "CN"
    tokens = re.split(r"[^0-9a-z]+", _APOSTROPHES.sub("", _to_ascii(text)))
    if len(tokens) > 1 and any(t in _CHINA_ONLY_WORDS for t in tokens[1:]):
        return "CN"
    return None


@lru_cache(maxsize=200_000)
def plain_key(text: str) -> str:
    """Return the transliteration key before romanisation variants are folded.

    Lower-case ASCII with suffix words dropped, like :func:`translit_key`, but ``sh``, ``q``,
    ``y``, vowels and doubled letters kept: how close two spellings look, not how they sound.

    Examples
    --------
    >>> plain_key("Shapshyl audany"), translit_key("Shapshyl audany")[0]
    ('shapshyl', 'sapsil')
    """
    return _split_suffix(text)[0]


@lru_cache(maxsize=200_000)
def translit_key(text: str) -> tuple[str, str | None]:
    """Return the transliteration key of a name and the kind of unit its suffix named.

    Parameters
    ----------
    text : str
        A place name in any script.

    Returns
    -------
    key : str
        Lower-case ASCII with suffix words dropped and romanisation variants folded; empty if
        the name holds no letter or digit.
    kind : str or None
        One of :data:`SUFFIX_KINDS` if a dropped suffix named a kind of unit, else None.

    Examples
    --------
    >>> translit_key("Bouryltogay district")
    ('buriltokai', 'district')
    >>> translit_key("福海县")
    ('fuhai', 'county')
    """
    joined, kind = _split_suffix(text)
    return _fold(joined), kind


def _split_suffix(text: str) -> tuple[str, str | None]:
    """Return the name's ASCII letters without suffix words, joined, and the suffix's kind."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    kinds: list[str] = []
    if _CJK.search(text):
        text, zh_kind = _strip_chinese(text)
        if zh_kind:
            kinds.append(zh_kind)
    ascii_text = _APOSTROPHES.sub("", _to_ascii(text))
    tokens = [t for t in re.split(r"[^0-9a-z]+", ascii_text) if t]
    if not tokens:
        return "", _head_kind(kinds)
    kept: list[str] = []
    token_kinds: list[str] = []
    # Scan from the end: an ethnic word goes only when the word after it went too
    # ("Ili Kazakh district", "Qapqal Xibe Aptonom Nahiyisi"; "Uygur District" keeps "uygur").
    next_dropped = False
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token in _SUFFIX_WORDS:
            token_kinds.insert(0, _SUFFIX_WORDS[token])
            next_dropped = True
        elif (
            token in _NOISE_WORDS
            or token in _AUTONOMY_WORDS
            or (token in _ETHNIC_WORDS and next_dropped and index > 0)
        ):
            next_dropped = True
        else:
            kept.insert(0, token)
            next_dropped = False
    if not kept:  # the name is only suffix words ("Shi", "Town"): keep it whole
        kept, token_kinds = tokens, []
    kinds.extend(token_kinds)
    return "".join(kept), _head_kind(kinds)


def skeleton(key: str) -> str:
    """Return the consonant skeleton of a transliteration key: each vowel run becomes ``V``.

    Vowel qualities go, syllables stay: ``Shapshal`` and ``Shapshyl`` share ``sVpsVl`` while
    ``Mango`` (``mVnkV``) and ``Manghit`` (``mVnkVt``) do not.

    Parameters
    ----------
    key : str
        A key from :func:`translit_key`.

    Returns
    -------
    str
        The skeleton.
    """
    return re.sub(r"(.)\1+", r"\1", _VOWELS.sub("V", key))


def kinds_agree(query_kind: str | None, target_kind: str) -> int:
    """Score how well a query's suffix kind fits a target's kind: 1 fits, 0 no hint, -1 not.

    Parameters
    ----------
    query_kind : str or None
        The kind from :func:`translit_key` (None when the query had no suffix).
    target_kind : str
        ``settlement``, ``city``, ``county``, ``prefecture`` or ``region`` (a county-level
        city is ``city``).
    """
    if query_kind is None:
        return 0
    fits = {
        "settlement": {"settlement", "city"},
        "city": {"city", "settlement"},
        "county": {"county"},
        "prefecture": {"prefecture"},
        "region": {"region"},
        "district": {"county", "city", "prefecture", "region"},
    }[query_kind]
    return 1 if target_kind in fits else -1


def kind_rank(kind: str) -> int:
    """Position of a kind in :data:`SUFFIX_KINDS` (for stable sorting)."""
    return _KIND_RANK[kind]

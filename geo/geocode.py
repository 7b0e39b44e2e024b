"""Offline multilingual geocoder: a place name in any script -> :class:`Place` with a precision.

Stages, tried in order; the first that finds anything (after the country hint) decides:

``exact`` / ``alias``
    The name's :func:`~geo._normalize.exact_key` (case, diacritics, punctuation and spacing
    ignored; script kept) equals a name of a GeoNames place (``exact``) or a form of the curated
    alias table or a district's name (``alias``). When both match, the curated form wins: curators
    resolve ambiguity on purpose.
``transliterated``
    Equal :func:`~geo._normalize.translit_key` (all scripts to ASCII, suffix words such as
    county/县/ауданы/nahiyisi dropped, romanisation variants folded), then equal consonant
    :func:`~geo._normalize.skeleton` with a key similarity of at least :data:`SKELETON_MIN`.
``fuzzy``
    rapidfuzz ratio over the transliteration keys, accepted at :data:`FUZZY_MIN` or above for keys
    of at least :data:`FUZZY_MIN_LENGTH` letters.

The last two are the loose stages, and :class:`LooseRules` says when they may answer: without a
``country`` hint only places inside a district (Xinjiang or Kazakhstan) are considered; a
skeleton or fuzzy match must start with the same letter and look alike before folding
(:func:`~geo._normalize.plain_key` ratio of at least 80); a key shorter than six letters must
look alike before folding even when the folded keys are equal ("case" folds like "Shache").

Within a stage, candidates rank by score, then by how well the kind of unit fits a suffix the
query named ("Hotan County" wants a county), then places whose own canonical name the query is
before places that merely have it as a variant, then curated before GeoNames, then by a prior for
larger places (administrative level plus log10 of the population inside), so names found on both
sides of the border (Altay, Ili, Khorgos, Aksu) go to the larger unit unless ``country`` says
otherwise. ``country`` is a filter: only places of that country are considered.

A bare name (no suffix word) that a prefecture-level unit (or a Kazakhstan region) shares with
its seat gives the seat, the unit being the runner-up: "Kashgar" is the town (in Kashgar City),
not Kashgar Prefecture's label point 200 km away in Kargilik County; "Aktobe" the city, not
Aktobe Region; "Kumul" the town of Hami. The seat must be named like the unit (same consonant
skeleton of the canonical names) and be its county-level city or its most populous GeoNames
settlement (or lie in that city). "Kashgar Prefecture", "喀什地区" or "Aktobe oblysy" still give
the unit, and so does :func:`find_district` ("Kashgar" as a district filter is the prefecture).

A loose match is refused rather than returned when the name is exactly a place of another
country than the ``country`` hint ("Zharkent" with ``CN``); when a Chinese or Uyghur suffix
(县, xian, nahiyisi, shehiri) puts the place in China and the match is not there; and, without
a hint, when a place outside the region fits better than the best one inside ("Samarkant" is
Samarkand's own name, only an old variant of Temirtau's). Such a refusal names the foreign
place and the hint that accepts it. :func:`find_district` refuses a name that is a known
settlement or area, saying what it is and which district it lies in, instead of forcing it onto
some district.

Measured by ``benchmarks/eval_geocode.py`` (table in ``benchmarks/README.md``): alias-table forms
held out of the index are found right 95.0% of the time and wrong 1.7% (2.2% before the loose
rules); of 3,000 far-away city names 0.3% are wrongly accepted (2.9% before), of 2,000 nonsense
words 0.25% (1.8%), of 851 English words 0.6% (6.1%). Every place of ``data/places.csv`` gives
the answer of the reviewed snapshot (``benchmarks/fixtures/geocode_snapshot.json``; a bare
prefecture name gives its seat city), and 99.1% of BuzzFeed towns land where their facilities
are.

A bare name a county-level unit shares with a GeoNames settlement inside it gives the settlement
the same way ("Fuhai" is the town, the county the runner-up; :attr:`LooseRules.county_seats`):
on the BuzzFeed towns the answer's median distance to the town's facilities fell from 27.5 km
(the county's label point) to 3.9 km.

A ``within`` hint (:meth:`GeocodeIndex.hint`: a prefecture, county-level unit or Kazakhstan
region, by any name or id) runs the stages on the places inside it first: the best inside wins,
places outside are runners-up, and a loose match outside is never returned (an exact or alias
match outside is, when nothing inside matches, flagged in :class:`Within`).

Names of units that changed since 2010 (``geo/data/history.csv``, :mod:`geo.history`) resolve
in either generation: a former unit ("Kuqa County", until 2019) is a place of its own
(``former:CN-652923@2019``) whose ``district`` is today's unit; every unit's result names its
``successor`` and ``predecessor`` (:class:`~geo.history.HistoryLink`). Today's unit wins a name
both generations bear ("Hami City").

The index is built once per install (:func:`default_index`: ~2 s with the district polygons)
and kept on disk, keyed on the shipped tables' and the code's hashes (:mod:`geo._cache`), so a
process loads it in ~30 ms without geopandas; every answer is memoised, so batch geocoding of
known names is a dictionary lookup.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from geo._districtfile import finest_ids_at
from geo._districtfile import table as district_table
from geo._errors import DistrictNotFound, PlaceNotFound
from geo._normalize import (
    exact_key,
    kinds_agree,
    plain_key,
    skeleton,
    suffix_country,
    translit_key,
)
from geo.coords import validate_lonlat_arrays
from geo.gazetteer import (
    DEFAULT_ALIASES,
    DEFAULT_GAZETTEER,
    Alias,
    DataFileError,
    GazetteerEntry,
    load_aliases,
    load_gazetteer,
)
from geo.history import DEFAULT_HISTORY, FormerUnit, History, HistoryLink, load_history

if TYPE_CHECKING:
    from geo._district import District

__all__ = [
    "FUZZY_MIN",
    "FUZZY_MIN_LENGTH",
    "SKELETON_MIN",
    "TRANSLIT_MIN_LENGTH",
    "Candidate",
    "GeocodeIndex",
    "LooseRules",
    "Place",
    "check_country",
    "default_index",
    "find_district",
    "geocode",
    "geocode_many",
]

logger = logging.getLogger(__name__)

Stage = Literal["exact", "alias", "transliterated", "fuzzy"]

#: Lowest rapidfuzz ratio (0-100) between transliteration keys accepted by the fuzzy stage.
FUZZY_MIN = 92.0
#: Shortest transliteration key (letters) the fuzzy stage will try; shorter keys are too easy to
#: confuse ("aral"/"oral").
FUZZY_MIN_LENGTH = 6
#: Shortest transliteration key matched at all: two letters ("sa", "ka") match junk.
TRANSLIT_MIN_LENGTH = 3
#: Lowest key similarity for two names with the same consonant skeleton (80 let one vowel of a
#: five-letter key differ: "Gosen" became Kashgar, "Telde" Taldi).
SKELETON_MIN = 85.0
#: Fewest consonants a skeleton needs to be used for matching.
SKELETON_MIN_CONSONANTS = 3


@dataclass(frozen=True)
class LooseRules:
    """When the loose stages (``transliterated`` beyond an equal key, and ``fuzzy``) accept.

    The defaults are the shipped rules, chosen by ``benchmarks/eval_geocode.py`` (figures in
    ``benchmarks/README.md``); other values exist to measure the trade-off.

    Attributes
    ----------
    skeleton_min : float
        Lowest rapidfuzz ratio between transliteration keys of the same consonant skeleton.
    fuzzy_min : float
        Lowest rapidfuzz ratio between transliteration keys for the fuzzy stage.
    fuzzy_min_length : int
        Shortest transliteration key the fuzzy stage tries.
    min_length : int
        Shortest transliteration key matched by any loose stage (equal keys included).
    region_only : bool
        Without a country hint, a loose stage considers only places inside a district (Xinjiang
        or Kazakhstan): a near-miss of a far-away name is more likely a different place.
    same_start : bool
        A skeleton or fuzzy match must begin with the same letter (after folding).
    plain_min : float
        Lowest rapidfuzz ratio between the unfolded keys (:func:`~geo._normalize.plain_key`) of
        the query and of the nearest name behind a skeleton or fuzzy match: the spelling must
        look alike, not only sound alike after folding.
    short_key : int
        Transliteration keys shorter than this are "short": folding makes many of them equal
        by accident ("case" and "Shache" are both ``sasa``).
    short_plain_min : float
        For a short key, the lowest ratio between unfolded keys that an equal transliteration
        key needs (0 accepts every equal key).
    margin : float or None
        A loose match is refused as ambiguous when a place in another district (neither
        containing the other) scores within ``margin`` of the best and neither the query's suffix
        nor its being the canonical name separates them ("Пичан" folds like both Piqan and
        Pishan). None never refuses: the size prior picks.
    county_seats : bool
        Not a loose rule: a bare name that a county-level unit shares with a GeoNames settlement
        inside it (its seat town) gives the settlement, the unit being the runner-up ("Fuhai"
        is the town; "Fuhai County" the county). False keeps the unit (the rule before issue
        14); ``benchmarks/eval_geocode.py`` measures both.
    """

    skeleton_min: float = SKELETON_MIN
    fuzzy_min: float = FUZZY_MIN
    fuzzy_min_length: int = FUZZY_MIN_LENGTH
    min_length: int = TRANSLIT_MIN_LENGTH
    region_only: bool = True
    same_start: bool = True
    plain_min: float = 80.0
    short_key: int = 6
    short_plain_min: float = 70.0
    margin: float | None = None
    county_seats: bool = True


_LEVEL_BONUS = {"country": 4.0, "region": 3.0, "prefecture": 2.0, "county": 1.0}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CACHE_MAX = 200_000
#: The id a ``within`` hint naming the Production and Construction Corps resolves to: the
#: statistical code of the county-level cities directly under the region.
XPCC_ID = "CN-659000"
_XPCC_KEYS = frozenset(
    exact_key(n)
    for n in (
        "XPCC", "Bingtuan", "兵团", "新疆兵团", "新疆生产建设兵团", "XJPCC",
        "Xinjiang Production and Construction Corps", "Production and Construction Corps",
    )
)
#: Two candidates this close are one place under two entries (a city and its district).
_SAME_PLACE_KM = 25.0

Locate = Callable[[np.ndarray, np.ndarray], Sequence[object]]


@dataclass(frozen=True)
class Candidate:
    """A place the geocoder considered, with its score.

    Attributes
    ----------
    name : str
        Canonical name of the place.
    ref : str
        ``geonames:<id>``, ``district:<id>`` or ``point:<lon>,<lat>``.
    country : str
        ISO country code.
    precision : str
        What the place is (``settlement``, ``county``...).
    score : float
        Similarity of the best of its names to the query, 0-100.
    """

    name: str
    ref: str
    country: str
    precision: str
    score: float

    def to_dict(self) -> dict[str, object]:
        """Return ``{"name", "ref", "country", "precision", "score"}``."""
        return {
            "name": self.name,
            "ref": self.ref,
            "country": self.country,
            "precision": self.precision,
            "score": self.score,
        }


@dataclass(frozen=True)
class Place:
    """A geocoded place.

    Attributes
    ----------
    query : str
        The name as given.
    name : str
        Canonical name of the place found.
    lon, lat : float
        WGS84 point (a district's label point for a district).
    precision : str
        ``exact``, ``settlement``, ``county``, ``prefecture``, ``region`` or ``country``.
    country : str
        ISO country code.
    district : District or None
        The district matched, or for a point the county-level unit (or Kazakhstan region)
        containing it; None outside every district.
    score : float
        Similarity 0-100 (100 for exact, alias and transliteration-key matches).
    stage : str
        ``exact``, ``alias``, ``transliterated`` or ``fuzzy``.
    candidates : tuple of Candidate
        The runners-up of the same stage, best first (other places sharing the name).
    ref : str
        ``geonames:<id>``, ``district:<id>``, ``point:<lon>,<lat>``, or ``former:<id>@<year>``
        for a unit of an earlier generation (Kuqa County, until 2019: ``former:CN-652923@2019``).
    successor : tuple of HistoryLink
        Where the place is a unit that changed since 2010: the units that took area from it,
        with the date and kind of change (a former unit: today's unit it became, ``renamed``;
        Huocheng County: Khorgas City and Kokdala City, ``split``). Empty otherwise.
    predecessor : tuple of HistoryLink
        The units it came from since 2010 (Kuqa City: Kuqa County, ``renamed``; Khorgas City:
        Huocheng County, ``split``). Empty otherwise.
    within : Within or None
        The hint the lookup was given, and whether the place lies in it; None without one.
    """

    query: str
    name: str
    lon: float
    lat: float
    precision: str
    country: str
    district: District | None
    score: float
    stage: Stage
    candidates: tuple[Candidate, ...]
    ref: str
    successor: tuple[HistoryLink, ...] = ()
    predecessor: tuple[HistoryLink, ...] = ()
    within: Within | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the CLI contract's object (``district`` as a dict or None; 6 decimals).

        ``successor`` and ``predecessor`` are lists (empty when nothing changed); ``within`` is
        the hint's dict or None.
        """
        return {
            "query": self.query,
            "name": self.name,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "precision": self.precision,
            "country": self.country,
            "district": None if self.district is None else self.district.to_dict(),
            "score": self.score,
            "stage": self.stage,
            "candidates": [c.to_dict() for c in self.candidates],
            "successor": [link.to_dict() for link in self.successor],
            "predecessor": [link.to_dict() for link in self.predecessor],
            "within": None if self.within is None else self.within.to_dict(),
        }


@dataclass(frozen=True)
class Within:
    """The ``within`` hint of a lookup, as resolved, and what it did.

    Attributes
    ----------
    query : str
        The hint as given ("Kunes", "伊犁", "CN-654025").
    id, name : str
        The district it resolved to (``CN-659000`` "XPCC cities" for the Production and
        Construction Corps as a whole).
    inside : bool
        Whether the place found lies in the hinted unit (or in a unit cut out of it since 2010).
        False only for an exact or alias match outside it when nothing inside matched: a loose
        match outside it is never returned.
    changed : bool
        Whether the answer differs from the one without the hint.
    """

    query: str
    id: str
    name: str
    inside: bool
    changed: bool

    def to_dict(self) -> dict[str, object]:
        """Return ``{"query", "id", "name", "inside", "changed"}``."""
        return {
            "query": self.query,
            "id": self.id,
            "name": self.name,
            "inside": self.inside,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class _Hint:
    """A resolved ``within`` hint: the district and today's units whose places count as inside."""

    id: str
    name: str
    ids: frozenset[str]


@dataclass
class _Target:
    ref: str
    name: str
    lon: float
    lat: float
    country: str
    precision: str
    kind: str  # settlement, city, county, prefecture or region
    importance: float
    district_id: str | None  # the district itself, or the one the point belongs to
    is_district: bool = False
    finest: str | None = None  # the finest unit containing the point (non-district targets)
    renamed: bool = False
    former: FormerUnit | None = None  # a unit of an earlier generation (district_id: today's)

    @property
    def in_region(self) -> bool:
        """Whether the place is a district or lies inside one (Xinjiang or Kazakhstan)."""
        return self.is_district or self.finest is not None or self.former is not None

    @property
    def unit_like(self) -> bool:
        """Whether the place is a district of today or of an earlier generation."""
        return self.is_district or self.former is not None


@dataclass
class _Hit:
    target: int
    score: float
    curated: bool
    stage: Stage


@dataclass
class _Answer:
    place: Place | None = None
    error: tuple[str, tuple[tuple[str, float], ...]] | None = None


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the great-circle distance between two points in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def _district_kind(district: Any) -> str:
    """Return the kind of a district for suffix agreement (a county-level city is a city)."""
    lowered = district.name.lower()
    if district.level == "region":
        # Almaty, Astana and Shymkent are cities with the status of a region.
        return "region" if "region" in lowered and not lowered.endswith(" city") else "city"
    if district.level != "county":
        return str(district.level)
    names = (district.name, *district.names)
    is_city = lowered.endswith(" city") or any(
        str(n).endswith("市") for n in names
    )
    return "city" if is_city else "county"


@dataclass
class GeocodeIndex:
    """Every name of every place, under its three keys, with the targets they lead to.

    Build it with :meth:`build`; :func:`default_index` builds the one from the shipped files.
    """

    targets: list[_Target] = field(default_factory=list, repr=False)
    districts: dict[str, Any] = field(default_factory=dict, repr=False)
    exact: dict[str, dict[int, bool]] = field(default_factory=dict, repr=False)
    translit: dict[str, dict[int, bool]] = field(default_factory=dict, repr=False)
    skeletons: dict[str, set[str]] = field(default_factory=dict, repr=False)
    loose_keys: set[str] = field(default_factory=set, repr=False)
    plains: dict[str, set[str]] = field(default_factory=dict, repr=False)
    fuzzy_keys: list[str] = field(default_factory=list, repr=False)
    #: District id -> ref of the most populous GeoNames settlement inside it (its likely seat).
    largest: dict[str, str] = field(default_factory=dict, repr=False)
    rules: LooseRules = field(default_factory=LooseRules, repr=False)
    #: The administrative changes since 2010 (``geo/data/history.csv``).
    history: History = field(default_factory=History, repr=False)
    _refs: dict[str, int] = field(default_factory=dict, repr=False)
    _cache: dict[tuple[str, str | None, bool, str | None], _Answer] = field(
        default_factory=dict, repr=False
    )
    _hints: dict[tuple[str, str | None], _Hint | DistrictNotFound] = field(
        default_factory=dict, repr=False
    )
    _last_scan: tuple[str, list[tuple[str, float]]] = field(default=("", []), repr=False)
    _keys_by_district: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _keys_in: dict[frozenset[str], list[str]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        """Summarise the index (its tables are too large to print)."""
        return (
            f"GeocodeIndex({len(self.targets)} places, {len(self.districts)} districts, "
            f"{len(self.exact)} exact keys, {len(self.translit)} transliteration keys)"
        )

    def with_rules(self, rules: LooseRules) -> GeocodeIndex:
        """Return the same index (tables shared, not copied) answering under other rules.

        Parameters
        ----------
        rules : LooseRules
            The loose stages' thresholds.

        Returns
        -------
        GeocodeIndex
            A new index with an empty memo; this one is unchanged.
        """
        return dataclasses.replace(
            self, rules=rules, _cache={}, _hints={}, _last_scan=("", [])
        )

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        entries: Iterable[GazetteerEntry],
        aliases: Iterable[Alias],
        districts: Iterable[Any],
        locate: Locate | None,
        *,
        aliases_path: Path = DEFAULT_ALIASES,
        history: History | None = None,
        history_path: Path = DEFAULT_HISTORY,
    ) -> GeocodeIndex:
        """Build the index.

        Parameters
        ----------
        entries : iterable of GazetteerEntry
            The GeoNames extract.
        aliases : iterable of Alias
            The curated alias table.
        districts : iterable of District
            Every district (``id, name, level, country, names, label_lon, label_lat``).
        locate : callable or None
            ``district_at(lons, lats)``: the id of the district containing each point, or None.
        aliases_path : Path
            Where the aliases came from, for error messages.
        history : History, optional
            The administrative changes since 2010 (default: none): their former units become
            places (``former:<id>@<year>``) and every result names its unit's predecessors and
            successors.
        history_path : Path
            Where the history came from, for error messages.

        Returns
        -------
        GeocodeIndex

        Raises
        ------
        DataFileError
            If an alias names a district or GeoNames id that does not exist (and gives no point),
            or the history names as today's unit an id that is no district.
        """
        index = cls()
        entries = list(entries)
        districts = list(districts)
        index.districts = {d.id: d for d in districts}

        containing: list[object] = [None] * len(entries)
        if locate is not None and entries:
            lons = np.array([e.lon for e in entries], dtype=float)
            lats = np.array([e.lat for e in entries], dtype=float)
            containing = list(locate(lons, lats))
        pop_inside = index._count_population(entries, containing)

        for d in districts:
            importance = _LEVEL_BONUS.get(d.level, 1.0) + math.log10(1 + pop_inside.get(d.id, 0))
            i = index._add_target(
                _Target(
                    ref=f"district:{d.id}",
                    name=d.name,
                    lon=float(d.label_lon),
                    lat=float(d.label_lat),
                    country=d.country,
                    precision=d.level,
                    kind=_district_kind(d),
                    importance=importance,
                    district_id=d.id,
                    is_district=True,
                )
            )
            for name in dict.fromkeys((d.name, *d.names)):
                index._add_name(str(name), i, curated=True)

        for entry, did in zip(entries, containing, strict=True):
            linked = index._linked_district(entry)
            if linked is not None:
                i = index._refs[f"district:{linked}"]
            else:
                precision, kind, importance = index._entry_rank(entry)
                i = index._add_target(
                    _Target(
                        ref=f"geonames:{entry.geonameid}",
                        name=entry.name,
                        lon=entry.lon,
                        lat=entry.lat,
                        country=entry.country,
                        precision=precision,
                        kind=kind,
                        importance=importance,
                        district_id=None,
                        finest=None if did is None else str(did),
                    )
                )
            for name in entry.names:
                machine = name.isascii() and name == name.lower() and name != entry.name
                index._add_name(name, i, curated=False, loose=not machine)

        index._add_aliases(list(aliases), locate, aliases_path)
        if history is not None:
            index.history = history
            index._add_former(history, history_path)
        for target in index.targets:
            if not target.is_district and target.former is None:
                target.district_id = index._containing(target.precision, target.finest)
        index.fuzzy_keys = sorted(index.loose_keys)
        logger.info(
            "geocoder index: %d places, %d exact keys, %d transliteration keys",
            len(index.targets),
            len(index.exact),
            len(index.translit),
        )
        return index

    def _count_population(
        self, entries: list[GazetteerEntry], containing: list[object]
    ) -> dict[str, float]:
        """Return the GeoNames population inside each district (the size prior's input).

        Sets :attr:`largest`, each district's most populous settlement. A settlement counts for
        its finest unit and that unit's parent (a county's prefecture).
        """
        pop_inside: dict[str, float] = {}
        largest: dict[str, tuple[float, str]] = {}
        for entry, did in zip(entries, containing, strict=True):
            if did is None or entry.feature_code != "PPL":
                continue
            parent = getattr(self.districts.get(str(did)), "parent", None)
            for unit in {str(did), str(parent)} & self.districts.keys():
                pop_inside[unit] = pop_inside.get(unit, 0.0) + entry.population
                if entry.population > largest.get(unit, (0.0, ""))[0]:
                    largest[unit] = (entry.population, f"geonames:{entry.geonameid}")
        self.largest = {unit: ref for unit, (_, ref) in largest.items()}
        return pop_inside

    def _add_former(self, history: History, path: Path) -> None:
        """Add the units of earlier generations under the names no unit of today shares.

        A former unit keeps only the names that are not names of its successor (the same area
        under today's name): "Kuqa County", "库车县" are Kuqa County's; "Kuqa", "库车" stay Kuqa
        City's. A unit none of whose names is its own (Astana's old name Nur-Sultan is still an
        alias of Astana) gets no place.
        """
        for change in history.changes:
            for unit_id in (change.to_id, change.from_id):
                today = history.today(unit_id)
                if history.ended(unit_id) is None and f"district:{today}" not in self._refs:
                    msg = (
                        f"{path}: line {change.line}: {unit_id!r} is no district of today "
                        "and no renaming ends it"
                    )
                    raise DataFileError(msg, path=path, line=change.line, field="to_id",
                                        value=unit_id)
        for unit in history.former_units():
            successor = self.targets[self._refs[f"district:{unit.successor}"]]
            district = self.districts[unit.successor]
            own = {exact_key(n) for n in (district.name, *district.names)}
            names = [n for n in unit.names if exact_key(n) not in own]
            if not names:
                continue
            lowered = unit.name.lower()
            if unit.level == "county":
                kind = "city" if lowered.endswith(" city") or unit.name.endswith("市") else "county"
            else:
                kind = unit.level
            i = self._add_target(
                _Target(
                    ref=unit.ref,
                    name=unit.name,
                    lon=successor.lon,
                    lat=successor.lat,
                    country=successor.country,
                    precision=unit.level,
                    kind=kind,
                    importance=successor.importance,
                    district_id=unit.successor,
                    former=unit,
                )
            )
            for name in names:
                self._add_name(name, i, curated=True)

    def _add_target(self, target: _Target) -> int:
        if target.ref in self._refs:
            return self._refs[target.ref]
        self.targets.append(target)
        self._refs[target.ref] = len(self.targets) - 1
        return len(self.targets) - 1

    def _add_name(self, name: str, target: int, *, curated: bool, loose: bool = True) -> None:
        """Index one name of a target under its keys.

        ``loose=False`` keeps the name out of the skeleton and fuzzy stages (GeoNames'
        lower-case machine romanisations such as ``kona'eva`` or ``kwnayf``, which match
        foreign names by accident).
        """
        key = exact_key(name)
        if not key:
            return
        bucket = self.exact.setdefault(key, {})
        bucket[target] = bucket.get(target, False) or curated
        tkey, _ = translit_key(name)
        if not tkey:
            return
        bucket = self.translit.setdefault(tkey, {})
        bucket[target] = bucket.get(target, False) or curated
        if not loose:
            return
        self.loose_keys.add(tkey)
        self.plains.setdefault(tkey, set()).add(plain_key(name))
        skel = skeleton(tkey)
        if len(skel) - skel.count("V") >= SKELETON_MIN_CONSONANTS:
            self.skeletons.setdefault(skel, set()).add(tkey)

    def _containing(self, precision: str, finest: str | None) -> str | None:
        """Return the district a point of this precision belongs to, given the finest unit.

        A settlement or county-precision point belongs to the county-level unit (or Kazakhstan
        region) it lies in; a prefecture-precision point to that unit's prefecture; a region or
        a country to no district (Xinjiang's label point lies in some county, but Xinjiang is
        not that county).
        """
        if finest is None or precision in ("region", "country"):
            return None
        if precision == "prefecture":
            district = self.districts.get(finest)
            if district is not None and district.level == "county" and district.parent:
                return str(district.parent)
        return finest

    def _linked_district(self, entry: GazetteerEntry) -> str | None:
        """Return the district id a GeoNames division stands for, if that district exists."""
        if entry.feature_code == "PPL":
            return None
        code = entry.admin_code
        candidates = [code]
        match = re.fullmatch(r"CN\.13\.(65\d\d)", code)
        if match:
            candidates.append(f"CN-{match.group(1)}00")
        for candidate in candidates:
            if candidate in self.districts:
                return candidate
        return None

    @staticmethod
    def _entry_rank(entry: GazetteerEntry) -> tuple[str, str, float]:
        """Return precision, kind and importance of a GeoNames place."""
        pop = math.log10(1 + entry.population)
        if entry.feature_code == "PCLI":
            return "country", "country", _LEVEL_BONUS["country"] + pop
        if entry.feature_code == "ADM1":
            return "region", "region", _LEVEL_BONUS["region"] + pop
        if entry.feature_code == "ADM2":
            if entry.country == "CN":
                return "prefecture", "prefecture", _LEVEL_BONUS["prefecture"] + pop
            return "county", "county", _LEVEL_BONUS["county"] + pop
        return "settlement", "settlement", pop

    def _rename_geonames(self, alias: Alias, i: int) -> None:
        """Add a curated name to a GeoNames place; its first one replaces the primary name.

        GeoNames primary names can be odd (Hotan is "Gujangbagh"); the alias row's precision, if
        given, replaces the place's.
        """
        target = self.targets[i]
        if not target.renamed:
            target.name = alias.name
            target.renamed = True
        if alias.precision and alias.precision != target.precision:
            target.precision = alias.precision
        self._add_name(alias.alias, i, curated=True)

    def _add_aliases(self, aliases: list[Alias], locate: Locate | None, path: Path) -> None:
        pending: list[tuple[Alias, _Target]] = []
        for alias in aliases:
            if alias.target_type == "district":
                ref = f"district:{alias.target}"
                if ref not in self._refs:
                    msg = (
                        f"{path}: line {alias.line}, field 'target': no district has the id "
                        f"{alias.target!r}"
                    )
                    raise DataFileError(
                        msg, path=path, line=alias.line, field="target", value=alias.target
                    )
                self._add_name(alias.alias, self._refs[ref], curated=True)
                continue
            if alias.target_type == "geonames":
                ref = f"geonames:{alias.target}"
                if ref in self._refs:
                    self._rename_geonames(alias, self._refs[ref])
                    continue
                if alias.lon is None or alias.lat is None:
                    msg = (
                        f"{path}: line {alias.line}, field 'target': GeoNames id "
                        f"{alias.target!r} is not in the gazetteer extract and the row gives "
                        "no lon/lat"
                    )
                    raise DataFileError(
                        msg, path=path, line=alias.line, field="target", value=alias.target
                    )
            else:
                ref = f"point:{alias.lon:.5f},{alias.lat:.5f}"
            assert alias.lon is not None and alias.lat is not None
            precision = alias.precision or "settlement"
            kind = "settlement" if precision == "exact" else precision
            pending.append(
                (
                    alias,
                    _Target(
                        ref=ref,
                        name=alias.name,
                        lon=alias.lon,
                        lat=alias.lat,
                        country=alias.country,
                        precision=precision,
                        kind=kind,
                        importance=_LEVEL_BONUS.get(precision, 0.0),
                        district_id=None,
                    ),
                )
            )
        if pending and locate is not None:
            lons = np.array([t.lon for _, t in pending], dtype=float)
            lats = np.array([t.lat for _, t in pending], dtype=float)
            for (_, target), did in zip(pending, locate(lons, lats), strict=True):
                target.finest = None if did is None else str(did)
        for alias, target in pending:
            self._add_name(alias.alias, self._add_target(target), curated=True)

    # ----------------------------------------------------------------- lookup
    def _allowed(
        self,
        target: int,
        country: str | None,
        districts_only: bool,
        *,
        loose: bool = False,
        inside: frozenset[str] | None = None,
    ) -> bool:
        t = self.targets[target]
        if country is not None and t.country != country:
            return False
        if inside is not None and t.district_id not in inside:
            return False
        if loose and country is None and self.rules.region_only and not t.in_region:
            return False
        return t.unit_like or not districts_only

    def _stage_hits(
        self,
        name: str,
        country: str | None,
        districts_only: bool,
        *,
        inside: frozenset[str] | None = None,
    ) -> tuple[list[_Hit], str | None]:
        """Return the hits of the first stage that has any, and the query's suffix kind.

        ``inside`` (today's district ids) keeps only places in those units, at every stage.
        """
        found = [
            _Hit(t, 100.0, curated, "alias" if curated else "exact")
            for t, curated in self.exact.get(exact_key(name), {}).items()
            if self._allowed(t, country, districts_only, inside=inside)
        ]
        if found:
            # A curated hit outranks GeoNames hits of the same key.
            if any(h.curated for h in found):
                found = [h for h in found if h.curated]
            return found, None
        tkey, kind = translit_key(name)
        if len(tkey) < self.rules.min_length:
            return [], kind

        def allowed(t: int) -> bool:
            return self._allowed(t, country, districts_only, loose=True, inside=inside)

        plain = plain_key(name)
        for stage in (self._key_hits, self._skeleton_hits, self._fuzzy_hits):
            found = stage(tkey, plain, allowed, inside)
            if found:
                return found, kind
        return [], kind

    def _key_hits(
        self, tkey: str, plain: str, allowed: Callable[[int], bool], inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Return the hits of an equal transliteration key (a short key must look alike)."""
        found = [
            _Hit(t, 100.0, curated, "transliterated")
            for t, curated in self.translit.get(tkey, {}).items()
            if allowed(t)
        ]
        rules = self.rules
        if found and (
            len(tkey) >= rules.short_key
            or self._plain_score(plain, tkey) >= rules.short_plain_min
        ):
            return found
        return []

    def _skeleton_hits(
        self, tkey: str, plain: str, allowed: Callable[[int], bool], inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Return the hits of keys with the same consonant skeleton that look alike."""
        found: list[_Hit] = []
        skel = skeleton(tkey)
        if len(skel) - skel.count("V") < SKELETON_MIN_CONSONANTS:
            return found
        for other in self.skeletons.get(skel, ()):
            score = float(fuzz.ratio(tkey, other))
            if score < self.rules.skeleton_min or not self._looks_alike(tkey, plain, other):
                continue
            found.extend(
                _Hit(t, score, curated, "transliterated")
                for t, curated in self.translit[other].items()
                if allowed(t)
            )
        return found

    def _fuzzy_hits(
        self, tkey: str, plain: str, allowed: Callable[[int], bool], inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Return the hits of the nearest keys (of places inside ``inside``, if given)."""
        found: list[_Hit] = []
        if len(tkey) < self.rules.fuzzy_min_length:
            return found
        nearest = self._nearest_keys(tkey) if inside is None else self._nearest_in(tkey, inside)
        for other, score in nearest:
            if score < self.rules.fuzzy_min:
                break
            if not self._looks_alike(tkey, plain, other):
                continue
            found.extend(
                _Hit(t, float(score), curated, "fuzzy")
                for t, curated in self.translit[other].items()
                if allowed(t)
            )
        return found

    def _looks_alike(self, tkey: str, plain: str, other: str) -> bool:
        """Apply :class:`LooseRules`' spelling checks to a skeleton or fuzzy match."""
        rules = self.rules
        if rules.same_start and tkey[:1] != other[:1]:
            return False
        return rules.plain_min <= 0 or self._plain_score(plain, other) >= rules.plain_min

    def _plain_score(self, plain: str, key: str) -> float:
        """Return the best ratio between ``plain`` and the unfolded keys of a key's names."""
        return max((fuzz.ratio(plain, p) for p in self.plains.get(key, ())), default=0.0)

    def _nearest_keys(self, tkey: str) -> list[tuple[str, float]]:
        """Return the 40 transliteration keys most like ``tkey``, best first (one scan each)."""
        if self._last_scan[0] != tkey:
            nearest = process.extract(tkey, self.fuzzy_keys, scorer=fuzz.ratio, limit=40)
            self._last_scan = (tkey, [(key, float(score)) for key, score, _ in nearest])
        return self._last_scan[1]

    def _nearest_in(self, tkey: str, inside: frozenset[str]) -> list[tuple[str, float]]:
        """Return the 40 transliteration keys of places in ``inside`` most like ``tkey``."""
        keys = self._keys_in.get(inside)
        if keys is None:
            if not self._keys_by_district:
                by_district: dict[str, set[str]] = {}
                for key in self.fuzzy_keys:
                    for t in self.translit[key]:
                        did = self.targets[t].district_id
                        if did is not None:
                            by_district.setdefault(did, set()).add(key)
                self._keys_by_district = {k: sorted(v) for k, v in by_district.items()}
            keys = sorted({k for did in inside for k in self._keys_by_district.get(did, ())})
            self._keys_in[inside] = keys
        nearest = process.extract(tkey, keys, scorer=fuzz.ratio, limit=40)
        return [(key, float(score)) for key, score, _ in nearest]

    def _rank(self, hits: list[_Hit], kind: str | None, tkey: str) -> list[_Hit]:
        """Return the best hit per target, targets best first.

        Order: score; fit of the query's suffix kind; the query being the target's own canonical
        name rather than one of its variants ("Ili" is the name of Ili Prefecture, only a
        variant for others); today's units before former ones (the county-level "Hami City" of
        before 2016 is the runner-up of today's prefecture-level Hami City); curated before
        GeoNames; the size prior.
        """
        best: dict[int, _Hit] = {}
        for hit in hits:
            current = best.get(hit.target)
            if current is None or (hit.score, hit.curated) > (current.score, current.curated):
                best[hit.target] = hit

        def order(hit: _Hit) -> tuple[float, int, int, int, int, float, str]:
            t = self.targets[hit.target]
            return (
                -hit.score,
                -kinds_agree(kind, t.kind),
                -int(bool(tkey) and translit_key(t.name)[0] == tkey),
                int(t.former is not None),
                -int(hit.curated),
                -t.importance,
                t.ref,
            )

        return sorted(best.values(), key=order)

    def _outside_best(
        self, name: str, country: str | None, kind: str | None, tkey: str
    ) -> _Hit | None:
        """Return the best loose hit outside the region, where the region filter applied."""
        if country is not None or not self.rules.region_only:
            return None
        # The same tables under the rules without the filter; the last fuzzy scan is valid too.
        unfiltered = dataclasses.replace(
            self,
            rules=dataclasses.replace(self.rules, region_only=False),
            _cache={},
            _last_scan=self._last_scan,
        )
        hits, _ = unfiltered._stage_hits(name, None, districts_only=False)
        outside = [h for h in hits if not self.targets[h.target].in_region]
        ranked = unfiltered._rank(outside, kind, tkey)
        return ranked[0] if ranked and ranked[0].stage != "exact" else None

    def _outside_hint(self, hit: _Hit | None) -> str:
        """Say which place outside the region a loose stage would have taken."""
        if hit is None:
            return ""
        t = self.targets[hit.target]
        return (
            f"; outside Xinjiang and Kazakhstan, {t.name!r} ({t.ref}) in {t.country!r} is "
            f"near ({hit.stage}, score {hit.score:.1f}): give country={t.country!r} if that "
            "is meant"
        )

    def _outranks(
        self, name: str, outside: _Hit, inside: _Hit, kind: str | None, tkey: str
    ) -> bool:
        """Whether a foreign place fits a query better than the best place in the region.

        Better means: another country (and no suffix used only in the region's one), and a
        higher score, or the same score and a better fit of the query's suffix, or the query
        folding to its own canonical name while it is only a variant of the place in the
        region.
        """
        a, b = self.targets[outside.target], self.targets[inside.target]
        if a.country == b.country or suffix_country(name) == b.country:
            return False

        def fit(hit: _Hit, t: _Target) -> tuple[float, int, bool]:
            return hit.score, kinds_agree(kind, t.kind), translit_key(t.name)[0] == tkey

        return fit(outside, a) > fit(inside, b)

    def _rival(self, ranked: list[_Hit], kind: str | None, tkey: str) -> _Hit | None:
        """Return a runner-up that makes a loose best match ambiguous (see ``margin``)."""
        margin = self.rules.margin
        if margin is None or not ranked or ranked[0].stage not in ("transliterated", "fuzzy"):
            return None
        top = ranked[0]

        def separates(hit: _Hit) -> tuple[int, int]:
            t = self.targets[hit.target]
            return kinds_agree(kind, t.kind), int(translit_key(t.name)[0] == tkey)

        for hit in ranked[1:]:
            if hit.score < top.score - margin:
                break
            if separates(top) > separates(hit) or self._related(top.target, hit.target):
                continue
            return hit
        return None

    def _related(self, a: int, b: int) -> bool:
        """Whether two places are one: one name, within 25 km, one district, or nested."""
        ta, tb = self.targets[a], self.targets[b]
        if translit_key(ta.name)[0] == translit_key(tb.name)[0] and ta.country == tb.country:
            return True  # "Kazakhstan" the country and the curated point; Tumxuk and its city
        if _km(ta.lon, ta.lat, tb.lon, tb.lat) <= _SAME_PLACE_KM:
            return True
        da, db = ta.district_id, tb.district_id
        if da is None or db is None:
            return False
        if da == db:
            return True
        pa = getattr(self.districts.get(da), "parent", None)
        pb = getattr(self.districts.get(db), "parent", None)
        return pa == db or pb == da

    def _prefer_seat(
        self,
        name: str,
        ranked: list[_Hit],
        country: str | None,
        inside: frozenset[str] | None = None,
    ) -> list[_Hit]:
        """Put the same-named seat of a prefecture (or Kazakhstan region) before the unit.

        A bare name ("Kashgar", "Aktobe", "Kumul": no suffix word) that a prefecture-level unit
        and its seat share means the town more often than the unit, whose label point can lie
        hundreds of km from it (Kashgar Prefecture's lies in Kargilik County). The seat is a
        hit of the same score inside the unit whose canonical name has the unit's consonant
        skeleton (Karagandy, Karaganda Region; not Taraz, once Zhambyl, for Jambyl Region):
        a settlement that is the unit's most populous GeoNames place or lies in such a
        county-level city, or else the county-level city itself. The unit stays the runner-up;
        a suffix ("Kashgar Prefecture", "喀什地区", "Aktobe oblysy") keeps the unit, and so
        does :func:`find_district`.

        With :attr:`LooseRules.county_seats` the same holds one level down: a bare name that a
        county-level unit shares with a GeoNames settlement inside it ("Fuhai", "Kuqa", and
        the seat city's "Yining" after the rule above) gives the settlement, the unit being the
        runner-up (:meth:`_prefer_county_seat`). ``inside`` keeps the seat inside a ``within``
        hint.
        """
        if not ranked or translit_key(name)[1] is not None:
            return ranked
        ranked = self._prefer_prefecture_seat(name, ranked, country, inside)
        if self.rules.county_seats:
            ranked = self._prefer_county_seat(name, ranked, country, inside)
        return ranked

    def _same_key_pool(
        self, name: str, ranked: list[_Hit], country: str | None, inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Return the hits of the top score, with the GeoNames hits of an exact curated match.

        The exact stage drops GeoNames hits of a key a curated name has; a seat may be among
        them.
        """
        top = ranked[0]
        pool = [h for h in ranked if h.score == top.score]
        if top.stage in ("exact", "alias"):
            listed = {h.target for h in pool}
            pool += [
                _Hit(t, 100.0, curated, "alias" if curated else "exact")
                for t, curated in self.exact.get(exact_key(name), {}).items()
                if t not in listed and self._allowed(t, country, False, inside=inside)
            ]
        return pool

    def _prefer_county_seat(
        self, name: str, ranked: list[_Hit], country: str | None, inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Put the same-named GeoNames settlement of a county-level unit before the unit.

        The settlement must lie in the unit and have the unit's consonant skeleton (canonical
        names); of several, the most populous. Kazakhstan's regions are left to the rule for
        prefecture-level units.
        """
        top = ranked[0]
        unit = self.targets[top.target]
        if not unit.is_district or unit.kind not in ("county", "city") or unit.country != "CN":
            return ranked
        own = skeleton(translit_key(unit.name)[0])
        seats = [
            h for h in self._same_key_pool(name, ranked, country, inside)
            if not self.targets[h.target].unit_like
            and self.targets[h.target].precision == "settlement"
            and self.targets[h.target].district_id == unit.district_id
            and skeleton(translit_key(self.targets[h.target].name)[0]) == own
        ]
        if not seats:
            return ranked
        seat = min(
            seats,
            key=lambda h: (not h.curated, -self.targets[h.target].importance,
                           self.targets[h.target].ref),
        )
        return [seat, *(h for h in ranked if h.target != seat.target)]

    def _prefer_prefecture_seat(
        self, name: str, ranked: list[_Hit], country: str | None, inside: frozenset[str] | None
    ) -> list[_Hit]:
        """Put the same-named seat of a prefecture (or Kazakhstan region) before the unit."""
        top = ranked[0]
        unit = self.targets[top.target]
        if not unit.is_district or unit.kind not in ("prefecture", "region"):
            return ranked
        unit_id = unit.district_id
        own = skeleton(translit_key(unit.name)[0])
        pool = self._same_key_pool(name, ranked, country, inside)

        def same_named(hit: _Hit) -> bool:
            # Folded to the consonant skeleton: Karagandy is the seat of Karaganda Region.
            return skeleton(translit_key(self.targets[hit.target].name)[0]) == own

        def seat_city(hit: _Hit) -> bool:
            t = self.targets[hit.target]
            district = self.districts.get(t.district_id or "") if t.is_district else None
            return (
                district is not None
                and district.level == "county"
                and district.parent == unit_id
                and t.kind == "city"
            )

        cities = {
            self.targets[h.target].district_id for h in pool if seat_city(h) and same_named(h)
        }

        def seat_settlement(hit: _Hit) -> bool:
            t = self.targets[hit.target]
            if t.is_district or t.precision != "settlement" or t.district_id is None:
                return False
            if t.district_id in cities:
                return True
            inside = t.district_id == unit_id or (
                getattr(self.districts.get(t.district_id), "parent", None) == unit_id
            )
            return inside and self.largest.get(str(unit_id)) == t.ref

        seats = [h for h in pool if same_named(h) and (seat_settlement(h) or seat_city(h))]
        if not seats:
            return ranked
        # The finest first (a settlement before the county-level city), then curated, larger.
        seat = min(
            seats,
            key=lambda h: (
                self.targets[h.target].is_district,
                not h.curated,
                -self.targets[h.target].importance,
                self.targets[h.target].ref,
            ),
        )
        return [seat, *(h for h in ranked if h.target != seat.target)]

    def _closest(
        self, name: str, country: str | None, districts_only: bool
    ) -> tuple[tuple[str, float], ...]:
        """Return up to three ``(name, score)`` of the nearest places, for error messages."""
        tkey, _ = translit_key(name)
        if not tkey:
            return ()
        out: dict[str, float] = {}
        for other, score in self._nearest_keys(tkey):
            for t in self.translit[other]:
                if self._allowed(t, country, districts_only):
                    label = f"{self.targets[t].name} ({self.targets[t].ref})"
                    out.setdefault(label, round(float(score), 1))
            if len(out) >= 3:
                break
        return tuple(list(out.items())[:3])

    def _answer(self, name: str, country: str | None, districts_only: bool) -> _Answer:
        tkey = translit_key(name)[0]
        hits, kind = self._stage_hits(name, country, districts_only=False)
        ranked = self._rank(hits, kind, tkey)
        refusal: _Answer | None = None
        if districts_only and ranked:
            ranked, refusal = self._only_districts(name, ranked)
        if refusal is None and country is None and ranked:
            ranked, refusal = self._keep_suffix_country(name, ranked)
        if refusal is None and country is not None and ranked:
            refusal = self._refuse_exact_elsewhere(name, ranked, country, kind, tkey)
        if refusal is None and not ranked:
            refusal = self._not_found(name, country, districts_only, kind, tkey)
        if refusal is None:
            refusal = self._refuse_foreign_variant(name, ranked, country, kind, tkey)
        if refusal is None:
            refusal = self._refuse_rival(name, ranked, kind, tkey)
        if refusal is not None:
            return refusal
        if not districts_only:
            ranked = self._prefer_seat(name, ranked, country)
        return _Answer(place=self._place(name, ranked[0], ranked[1:5]))

    def _labels(self, *hits: _Hit) -> tuple[tuple[str, float], ...]:
        """Return ``("name (ref)", score)`` of hits, for an error's closest candidates."""
        return tuple(
            (f"{self.targets[h.target].name} ({self.targets[h.target].ref})", round(h.score, 1))
            for h in hits
        )

    def _only_districts(self, name: str, ranked: list[_Hit]) -> tuple[list[_Hit], _Answer | None]:
        """Keep the districts; a name that is a known place but no district is refused.

        Refusing, rather than letting the looser stages force the name onto some district,
        keeps "Zharkent" from becoming "Yarkant".
        """
        districts = self._as_districts(ranked)
        if districts:
            return districts, None
        t = self.targets[ranked[0].target]
        inside = self.districts.get(t.district_id) if t.district_id else None
        hint = f"; it lies in {inside.name} ({inside.id})" if inside is not None else ""
        msg = f"No district matches {name!r}: it is {t.name!r} ({t.ref}, {t.precision}){hint}"
        return ranked, _Answer(error=(msg, self._labels(ranked[0])))

    def _keep_suffix_country(
        self, name: str, ranked: list[_Hit]
    ) -> tuple[list[_Hit], _Answer | None]:
        """Keep a loose match in the country its suffix names, or refuse it.

        "Wensu Xian" misspelt must not land on Vanj in Tajikistan.
        """
        implied = suffix_country(name)
        top = ranked[0]
        if (
            implied is None
            or top.stage not in ("transliterated", "fuzzy")
            or self.targets[top.target].country == implied
        ):
            return ranked, None
        same = [h for h in ranked if self.targets[h.target].country == implied]
        if same:
            return same, None
        t = self.targets[top.target]
        msg = (
            f"No place matches {name!r} well: its suffix names a place in {implied!r}, and "
            f"the nearest, {t.name!r} ({t.ref}), is in {t.country!r}"
        )
        return ranked, _Answer(error=(msg, self._labels(top)))

    def _refuse_exact_elsewhere(
        self, name: str, ranked: list[_Hit], country: str, kind: str | None, tkey: str
    ) -> _Answer | None:
        """Refuse a loose match in the hinted country when the name is exactly a place abroad.

        "Zharkent" with CN would otherwise become Yarkant.
        """
        if ranked[0].stage != "fuzzy" and ranked[0].score >= 100:
            return None
        anywhere, _ = self._stage_hits(name, None, districts_only=False)
        exact_elsewhere = self._rank([h for h in anywhere if h.score == 100], kind, tkey)
        if not exact_elsewhere:
            return None
        t = self.targets[exact_elsewhere[0].target]
        msg = (
            f"No place in {country!r} matches {name!r} well: it is {t.name!r} ({t.ref}) in "
            f"{t.country!r}; the best in {country!r} is "
            f"{self.targets[ranked[0].target].name!r} at {ranked[0].score:.1f}"
        )
        return _Answer(error=(msg, self._labels(exact_elsewhere[0], ranked[0])))

    def _not_found(
        self, name: str, country: str | None, districts_only: bool, kind: str | None, tkey: str
    ) -> _Answer:
        """Say that nothing matches, with the closest places and any foreign near match."""
        closest = self._closest(name, country, districts_only)
        what = "district" if districts_only else "place"
        where = f" in {country!r}" if country else ""
        listing = ", ".join(f"{n!r} {s:g}" for n, s in closest) or "none"
        msg = f"No {what}{where} matches {name!r} (closest: {listing})"
        outside = self._outside_best(name, country, kind, tkey)
        return _Answer(error=(msg + self._outside_hint(outside), closest))

    def _refuse_foreign_variant(
        self, name: str, ranked: list[_Hit], country: str | None, kind: str | None, tkey: str
    ) -> _Answer | None:
        """Refuse a loose match when a place outside the region fits the name better.

        The region filter must not turn a foreign place's own name into a variant of a place in
        the region ("Samarkant" is Samarkand, not Temirtau's old name).
        """
        if ranked[0].stage in ("exact", "alias"):
            return None
        outside = self._outside_best(name, country, kind, tkey)
        if outside is None or not self._outranks(name, outside, ranked[0], kind, tkey):
            return None
        t = self.targets[ranked[0].target]
        msg = (
            f"No place in Xinjiang or Kazakhstan matches {name!r} well: the nearest, "
            f"{t.name!r} ({t.ref}), has it only as a variant" + self._outside_hint(outside)
        )
        return _Answer(error=(msg, self._labels(outside, ranked[0])))

    def _refuse_rival(
        self, name: str, ranked: list[_Hit], kind: str | None, tkey: str
    ) -> _Answer | None:
        """Refuse a loose match another district fits as well (see ``LooseRules.margin``)."""
        rival = self._rival(ranked, kind, tkey)
        if rival is None:
            return None
        a, b = self.targets[ranked[0].target], self.targets[rival.target]
        msg = (
            f"No place matches {name!r} unambiguously: {a.name!r} ({a.ref}, {a.country}) "
            f"and {b.name!r} ({b.ref}, {b.country}) fit it as well as each other "
            f"({ranked[0].stage}, score {ranked[0].score:.1f} and {rival.score:.1f}); "
            "give a country hint, a fuller name or coordinates"
        )
        return _Answer(error=(msg, self._labels(ranked[0], rival)))

    def _as_districts(self, ranked: list[_Hit]) -> list[_Hit]:
        """Keep the districts of ``ranked``, a former unit standing for today's successor."""
        out: dict[int, _Hit] = {}
        for hit in ranked:
            t = self.targets[hit.target]
            if t.former is not None:
                hit = dataclasses.replace(hit, target=self._refs[f"district:{t.district_id}"])
            elif not t.is_district:
                continue
            out.setdefault(hit.target, hit)
        return list(out.values())

    def _links(self, t: _Target) -> tuple[tuple[HistoryLink, ...], tuple[HistoryLink, ...]]:
        """Return the successors and predecessors of a unit (empty for other places)."""
        if t.former is not None:
            until: str | None = t.former.until
            unit_id = t.former.id
        elif t.is_district and t.district_id is not None:
            until, unit_id = None, t.district_id
        else:
            return (), ()
        after = self.history.successors(unit_id, until=until)
        before = self.history.predecessors(unit_id, until=until)
        return (
            tuple(c.link("to") for c in after),
            tuple(c.link("from") for c in before),
        )

    def _place(
        self, name: str, top: _Hit, rest: Sequence[_Hit], within: Within | None = None
    ) -> Place:
        """Return the :class:`Place` of the best hit, the rest as its candidates."""
        t = self.targets[top.target]
        district = None if t.district_id is None else self.districts.get(t.district_id)
        candidates = tuple(
            Candidate(
                name=self.targets[h.target].name,
                ref=self.targets[h.target].ref,
                country=self.targets[h.target].country,
                precision=self.targets[h.target].precision,
                score=round(h.score, 1),
            )
            for h in rest
        )
        successor, predecessor = self._links(t)
        return Place(
            query=name,
            name=t.name,
            lon=t.lon,
            lat=t.lat,
            precision=t.precision,
            country=t.country,
            district=district,
            score=round(top.score, 1),
            stage=top.stage,
            candidates=candidates,
            ref=t.ref,
            successor=successor,
            predecessor=predecessor,
            within=within,
        )

    # ----------------------------------------------------------------- within
    def hint(self, within: str, *, country: str | None = None) -> _Hint:
        """Resolve a ``within`` hint to its district and today's units that count as inside.

        Parameters
        ----------
        within : str
            A district id (``CN-654025``), any name of a prefecture, county-level unit or
            Kazakhstan region in any script (a name of an earlier generation too: "Turpan
            Prefecture", "Kuqa County"), or the Production and Construction Corps as a whole
            ("XPCC", "Bingtuan", "兵团": its cities, ``CN-659000``).
        country : str, optional
            The country the hint's name is looked up in (an upper-case code).

        Returns
        -------
        _Hint
            Inside are: a county-level unit or region, and every unit cut out of it since 2010
            (a 2013 list's "Huocheng" holds today's Khorgas City); a prefecture, its county-level
            units and the units cut out of them (Ili holds Kokdala City, an XPCC city cut out of
            Huocheng and Qapqal).

        Raises
        ------
        DistrictNotFound
            If the hint names no district; the message names it and the closest districts.
        """
        key = (within, country)
        found = self._hints.get(key)
        if found is None:
            try:
                found = self._resolve_hint(within, country)
            except DistrictNotFound as exc:
                found = exc
            self._hints[key] = found
        if isinstance(found, DistrictNotFound):
            raise found
        return found

    def _resolve_hint(self, within: str, country: str | None) -> _Hint:
        if not isinstance(within, str) or not within.strip():
            msg = f"a within hint must be a non-empty name or district id, not {within!r}"
            raise DistrictNotFound(msg, query=str(within))
        stripped = within.strip()
        if exact_key(stripped) in _XPCC_KEYS or stripped == XPCC_ID:
            ids: set[str] = set()
            for did in self.districts:
                if did.startswith("CN-6590"):
                    ids |= self.history.spread(did)
            return _Hint(XPCC_ID, "XPCC cities", frozenset(ids))
        district = self.districts.get(stripped)
        if district is None:
            try:
                place = self.lookup(stripped, country=country, districts_only=True)
            except DistrictNotFound as exc:
                msg = f"the within hint {within!r} names no district: {exc}"
                raise DistrictNotFound(msg, query=within, candidates=exc.candidates) from None
            district = place.district
            assert district is not None
        ids = set(self.history.spread(district.id))
        if district.level == "prefecture":
            for other in self.districts.values():
                if other.parent == district.id:
                    ids |= self.history.spread(other.id)
        return _Hint(district.id, district.name, frozenset(ids))

    def _answer_within(self, name: str, country: str | None, hint: _Hint) -> _Answer:
        """Answer with a ``within`` hint: a place inside it wins; a loose one outside never.

        The stages run twice: once on the places inside the hinted unit (every stage, so a
        fuzzy match inside beats an exact one outside), once on all places. The best inside
        wins, the places outside are its runners-up. With nothing inside, an exact or alias
        match outside is returned (``within.inside`` False); a loose one is refused.
        """
        plain = self._cache.get((name, country, False, None))
        if plain is None:
            plain = self._answer(name, country, False)
            self._cache[(name, country, False, None)] = plain
        tkey, _ = translit_key(name)
        hits, kind = self._stage_hits(name, country, False, inside=hint.ids)
        ranked = self._rank(hits, kind, tkey)
        implied = suffix_country(name) if country is None else None
        if implied is not None:
            ranked = [
                h for h in ranked
                if h.stage in ("exact", "alias") or self.targets[h.target].country == implied
            ]
        everywhere, kind_all = self._stage_hits(name, country, False)
        outside = [
            h for h in self._rank(everywhere, kind_all, tkey)
            if self.targets[h.target].district_id not in hint.ids
        ]
        if ranked:
            ranked = self._prefer_seat(name, ranked, country, hint.ids)
            top = ranked[0]
            ref = self.targets[top.target].ref
            changed = plain.place is None or plain.place.ref != ref
            within = Within(
                query="", id=hint.id, name=hint.name, inside=True, changed=changed
            )
            rest = [*ranked[1:], *outside][:4]
            return _Answer(place=self._place(name, top, rest, within))
        if plain.place is not None and plain.place.stage in ("exact", "alias"):
            within = Within(query="", id=hint.id, name=hint.name, inside=False, changed=False)
            return _Answer(place=dataclasses.replace(plain.place, within=within))
        where = f"{hint.name} ({hint.id})"
        if plain.place is not None:
            p = plain.place
            msg = (
                f"No place in {where} matches {name!r}: the nearest, {p.name!r} ({p.ref}, "
                f"{p.country}), lies outside it ({p.stage}, score {p.score:.1f}), and a loose "
                "match never crosses the hint's border"
            )
            return _Answer(error=(msg, ((f"{p.name} ({p.ref})", p.score),)))
        assert plain.error is not None
        msg, closest = plain.error
        return _Answer(error=(f"No place in {where} matches {name!r}; without the hint: {msg}",
                              closest))

    def lookup(
        self,
        name: str,
        *,
        country: str | None = None,
        districts_only: bool = False,
        within: str | None = None,
    ) -> Place:
        """Geocode one name (memoised); see :func:`geocode`.

        Raises
        ------
        PlaceNotFound
            If no stage finds a place (``DistrictNotFound`` with ``districts_only``, or when
            ``within`` names no district: its ``query`` is ``name``, its message names the
            hint).
        """
        if not isinstance(name, str):
            msg = f"a place name must be a string, not {name!r}"
            raise TypeError(msg)
        cache_key = (name, country, districts_only, within)
        answer = self._cache.get(cache_key)
        if answer is None:
            if within is None or districts_only:
                answer = self._answer(name, country, districts_only)
            else:
                try:
                    hint = self.hint(within, country=country)
                except DistrictNotFound as exc:  # the error is about this name's lookup
                    raise DistrictNotFound(str(exc), query=name,
                                           candidates=exc.candidates) from None
                answer = self._answer_within(name, country, hint)
                if answer.place is not None and answer.place.within is not None:
                    query = dataclasses.replace(answer.place.within, query=within)
                    answer = _Answer(place=dataclasses.replace(answer.place, within=query))
            if len(self._cache) >= _CACHE_MAX:  # a bound for endless streams of new names
                self._cache.clear()
            self._cache[cache_key] = answer
        if answer.place is not None:
            return answer.place
        assert answer.error is not None
        msg, closest = answer.error
        error = DistrictNotFound if districts_only else PlaceNotFound
        raise error(msg, query=name, candidates=closest)


def check_country(country: str | None) -> str | None:
    """Return ``country`` upper-cased, ``None`` for ``None``.

    Raises
    ------
    ValueError
        If ``country`` is not two ASCII letters (an ISO 3166-1 alpha-2 code's form).
    """
    if country is None:
        return None
    code = country.strip().upper()
    if not _COUNTRY.fullmatch(code):
        msg = f"country {country!r} is not an ISO 3166-1 alpha-2 code such as 'CN' or 'KZ'"
        raise ValueError(msg)
    return code


#: The district polygons the index places every name with (read by :mod:`geo.districts`).
DEFAULT_DISTRICTS = Path(__file__).parent / "data" / "districts.geojson.gz"


def index_files() -> list[Path]:
    """Return every file the default index is made from: the shipped tables and geo's code.

    Their contents key the index file on disk (:mod:`geo._cache`): editing any of them gives
    a new key, and the index is rebuilt on first use.
    """
    package = Path(__file__).parent
    tables = [DEFAULT_GAZETTEER, DEFAULT_ALIASES, DEFAULT_DISTRICTS, DEFAULT_HISTORY]
    return [*tables, *sorted(package.glob("*.py"))]


def build_default_index() -> GeocodeIndex:
    """Build the index from the shipped gazetteer, alias table, districts and history.

    Reads the polygons (:mod:`geo._districtfile`, without geopandas) to place every name.
    :func:`default_index` does it once per install and keeps the result on disk.
    """
    aliases = load_aliases() if DEFAULT_ALIASES.exists() else ()
    if not aliases:
        logger.warning("no alias table at %s: geocoding with GeoNames names only", DEFAULT_ALIASES)
    return GeocodeIndex.build(
        load_gazetteer(),
        aliases,
        list(district_table().values()),
        _district_ids_at,
        history=load_history(),
    )


def _district_ids_at(lons: npt.NDArray[Any], lats: npt.NDArray[Any]) -> Sequence[object]:
    """Return today's finest district at each point (the index build's look-up)."""
    x, y = validate_lonlat_arrays(lons, lats)
    return list(finest_ids_at(x.ravel(), y.ravel()))


@lru_cache(maxsize=1)
def default_index() -> GeocodeIndex:
    """Return the index of the shipped tables: from the file on disk, else built and stored.

    The file (:mod:`geo._cache`: ``~/.cache/xinjiang-atlas/geo/``, ``$ATLAS_CACHE_DIR/geo``,
    or none with ``ATLAS_GEO_CACHE=0``) is keyed on the tables' and the code's hashes, so it is
    built at most once per install and version. Loading it needs neither geopandas nor the
    polygons. Cached in the process too.
    """
    from geo import _cache

    return _cache.load_or_build(
        build_default_index,
        key=_cache.cache_key(index_files()),
        directory=_cache.cache_dir(),
        kind=GeocodeIndex,
    )


def geocode(name: str, *, country: str | None = None, within: str | None = None) -> Place:
    """Geocode a place name written in any script.

    Parameters
    ----------
    name : str
        The name as written ("Bouryltogay", "福海县", "Shaueshek city", "Ғұлжа").
    country : str, optional
        ISO 3166-1 alpha-2 code; only places in that country are considered.
    within : str, optional
        The unit the place lies in, as a list's prefecture or county column gives it: a district
        id (``CN-654025``) or any name of a prefecture, county-level unit or Kazakhstan region
        in any script ("Kunes", "新源县", "Ili", "Turpan Prefecture"), or "XPCC" for the Corps'
        cities. A place inside it wins over any outside; a loose match outside it is never
        returned (an exact or alias match outside it is, when nothing inside matches, with
        ``place.within.inside`` False). See :meth:`GeocodeIndex.hint` for what counts as
        inside. None or a blank string: no hint.

    Returns
    -------
    Place
        ``place.within`` says which unit the hint resolved to, whether the place lies in it and
        whether the hint changed the answer; ``successor`` and ``predecessor`` name the units
        it became or came from since 2010.

    Raises
    ------
    PlaceNotFound
        If nothing matches well enough; the message and ``.candidates`` name the closest places.
        :class:`DistrictNotFound` (a PlaceNotFound) if ``within`` names no district.
    ValueError
        If ``country`` is not a two-letter code.

    Examples
    --------
    >>> geocode("Bouryltogay").district.id  # doctest: +SKIP
    'CN-654323'
    >>> geocode("Yengisheher", within="Kashgar").district.id  # doctest: +SKIP
    'CN-653122'
    """
    hint = within if isinstance(within, str) and within.strip() else None
    return default_index().lookup(name, country=check_country(country), within=hint)


def geocode_many(
    names: Iterable[str],
    *,
    country: str | None = None,
    within: str | Iterable[str | None] | None = None,
) -> list[Place | PlaceNotFound]:
    """Geocode many names; a name that matches nothing gives its :class:`PlaceNotFound`.

    Parameters
    ----------
    names : iterable of str
        Names in any script.
    country : str, optional
        ISO 3166-1 alpha-2 code applied to every name.
    within : str or iterable of (str or None), optional
        One hint for every name, or one per name (None or "" for none), as for
        :func:`geocode`. A hint that names no district gives that name's
        :class:`DistrictNotFound`.

    Returns
    -------
    list of Place or PlaceNotFound
        One item per name, in order.

    Raises
    ------
    ValueError
        If ``country`` is malformed, or ``within`` is a sequence of another length than
        ``names``.
    """
    index = default_index()
    code = check_country(country)
    names = list(names)
    if within is None or isinstance(within, str):
        hints: list[str | None] = [within or None] * len(names)
    else:
        hints = [h or None for h in within]
        if len(hints) != len(names):
            msg = f"within has {len(hints)} hints for {len(names)} names"
            raise ValueError(msg)
    out: list[Place | PlaceNotFound] = []
    for name, hint in zip(names, hints, strict=True):
        try:
            out.append(index.lookup(name, country=code, within=hint))
        except PlaceNotFound as exc:
            out.append(exc)
    return out


def find_district(name: str) -> District:
    """Return the district (county, prefecture or Kazakhstan region) a name stands for.

    Parameters
    ----------
    name : str
        A district id (``CN-654323``) or any name of the district in any script ("Fuhai",
        "Bouryltogay", "福海县", "Ili", "Алматы облысы"), of today or of an earlier
        generation ("Kuqa County" is today's Kuqa City, "Turpan Prefecture" Turpan City).

    Returns
    -------
    District
        Today's unit. For a name a prefecture shares with its seat ("Kashgar", "Altay", "Aksu")
        the prefecture, the larger unit; :func:`geocode` gives the seat for such a name.

    Raises
    ------
    DistrictNotFound
        If no district matches; the message names the closest districts.
    """
    index = default_index()
    stripped = name.strip() if isinstance(name, str) else name
    if isinstance(stripped, str) and stripped in index.districts:
        return index.districts[stripped]
    place = index.lookup(name, districts_only=True)
    assert place.district is not None
    return place.district

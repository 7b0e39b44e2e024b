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

The index is built once (:func:`default_index`, cached) and every answer is memoised, so batch
geocoding of known names is a dictionary lookup.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from rapidfuzz import fuzz, process

from geo._errors import DistrictNotFound, PlaceNotFound
from geo._normalize import (
    exact_key,
    kinds_agree,
    plain_key,
    skeleton,
    suffix_country,
    translit_key,
)
from geo.gazetteer import (
    DEFAULT_ALIASES,
    Alias,
    DataFileError,
    GazetteerEntry,
    load_aliases,
    load_gazetteer,
)

if TYPE_CHECKING:
    from geo.districts import District

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

_LEVEL_BONUS = {"country": 4.0, "region": 3.0, "prefecture": 2.0, "county": 1.0}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CACHE_MAX = 200_000
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
        ``geonames:<id>``, ``district:<id>`` or ``point:<lon>,<lat>``.
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

    def to_dict(self) -> dict[str, object]:
        """Return the CLI contract's object (``district`` as a dict or None; 6 decimals)."""
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
        }


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

    @property
    def in_region(self) -> bool:
        """Whether the place is a district or lies inside one (Xinjiang or Kazakhstan)."""
        return self.is_district or self.finest is not None


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
    _refs: dict[str, int] = field(default_factory=dict, repr=False)
    _cache: dict[tuple[str, str | None, bool], _Answer] = field(default_factory=dict, repr=False)
    _last_scan: tuple[str, list[tuple[str, float]]] = field(default=("", []), repr=False)

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
        return dataclasses.replace(self, rules=rules, _cache={}, _last_scan=("", []))

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

        Returns
        -------
        GeocodeIndex

        Raises
        ------
        DataFileError
            If an alias names a district or GeoNames id that does not exist (and gives no point).
        """
        index = cls()
        entries = list(entries)
        districts = list(districts)
        index.districts = {d.id: d for d in districts}

        # Population inside each district, for the size prior.
        pop_inside: dict[str, float] = {}
        largest: dict[str, tuple[float, str]] = {}
        containing: list[object] = [None] * len(entries)
        if locate is not None and entries:
            lons = np.array([e.lon for e in entries], dtype=float)
            lats = np.array([e.lat for e in entries], dtype=float)
            containing = list(locate(lons, lats))
            for entry, did in zip(entries, containing, strict=True):
                if did is not None and entry.feature_code == "PPL":
                    # The finest unit and its parent (a county's prefecture) both count it.
                    parent = getattr(index.districts.get(str(did)), "parent", None)
                    for unit in {str(did), str(parent)} & index.districts.keys():
                        pop_inside[unit] = pop_inside.get(unit, 0.0) + entry.population
                        if entry.population > largest.get(unit, (0.0, ""))[0]:
                            largest[unit] = (entry.population, f"geonames:{entry.geonameid}")
        index.largest = {unit: ref for unit, (_, ref) in largest.items()}

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
        for target in index.targets:
            if not target.is_district:
                target.district_id = index._containing(target.precision, target.finest)
        index.fuzzy_keys = sorted(index.loose_keys)
        logger.info(
            "geocoder index: %d places, %d exact keys, %d transliteration keys",
            len(index.targets),
            len(index.exact),
            len(index.translit),
        )
        return index

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
                    target = self.targets[self._refs[ref]]
                    if not target.renamed:
                        # The curated canonical name replaces odd GeoNames primary names.
                        target.name = alias.name
                        target.renamed = True
                    if alias.precision and alias.precision != target.precision:
                        target.precision = alias.precision
                    self._add_name(alias.alias, self._refs[ref], curated=True)
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
        self, target: int, country: str | None, districts_only: bool, *, loose: bool = False
    ) -> bool:
        t = self.targets[target]
        if country is not None and t.country != country:
            return False
        if loose and country is None and self.rules.region_only and not t.in_region:
            return False
        return t.is_district or not districts_only

    def _stage_hits(
        self, name: str, country: str | None, districts_only: bool
    ) -> tuple[list[_Hit], str | None]:
        """Return the hits of the first stage that has any, and the query's suffix kind."""
        key = exact_key(name)
        tkey, kind = translit_key(name)
        found = [
            _Hit(t, 100.0, curated, "alias" if curated else "exact")
            for t, curated in self.exact.get(key, {}).items()
            if self._allowed(t, country, districts_only)
        ]
        if found:
            # A curated hit outranks GeoNames hits of the same key.
            if any(h.curated for h in found):
                found = [h for h in found if h.curated]
            return found, None
        rules = self.rules
        if len(tkey) < rules.min_length:
            return [], kind
        plain = plain_key(name)
        found = [
            _Hit(t, 100.0, curated, "transliterated")
            for t, curated in self.translit.get(tkey, {}).items()
            if self._allowed(t, country, districts_only, loose=True)
        ]
        if found and (
            len(tkey) >= rules.short_key
            or self._plain_score(plain, tkey) >= rules.short_plain_min
        ):
            return found, kind
        found = []
        skel = skeleton(tkey)
        if len(skel) - skel.count("V") >= SKELETON_MIN_CONSONANTS:
            for other in self.skeletons.get(skel, ()):
                score = float(fuzz.ratio(tkey, other))
                if score < rules.skeleton_min or not self._looks_alike(tkey, plain, other):
                    continue
                found.extend(
                    _Hit(t, score, curated, "transliterated")
                    for t, curated in self.translit[other].items()
                    if self._allowed(t, country, districts_only, loose=True)
                )
            if found:
                return found, kind
        if len(tkey) >= rules.fuzzy_min_length:
            for other, score in self._nearest_keys(tkey):
                if score < rules.fuzzy_min:
                    break
                if not self._looks_alike(tkey, plain, other):
                    continue
                found.extend(
                    _Hit(t, float(score), curated, "fuzzy")
                    for t, curated in self.translit[other].items()
                    if self._allowed(t, country, districts_only, loose=True)
                )
        return found, kind

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

    def _rank(self, hits: list[_Hit], kind: str | None, tkey: str) -> list[_Hit]:
        """Return the best hit per target, targets best first.

        Order: score; fit of the query's suffix kind; the query being the target's own canonical
        name rather than one of its variants ("Ili" is the name of Ili Prefecture, only a
        variant for others); curated before GeoNames; the size prior.
        """
        best: dict[int, _Hit] = {}
        for hit in hits:
            current = best.get(hit.target)
            if current is None or (hit.score, hit.curated) > (current.score, current.curated):
                best[hit.target] = hit

        def order(hit: _Hit) -> tuple[float, int, int, int, float, str]:
            t = self.targets[hit.target]
            return (
                -hit.score,
                -kinds_agree(kind, t.kind),
                -int(bool(tkey) and translit_key(t.name)[0] == tkey),
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

    def _prefer_seat(self, name: str, ranked: list[_Hit], country: str | None) -> list[_Hit]:
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
        """
        if not ranked or translit_key(name)[1] is not None:
            return ranked
        top = ranked[0]
        unit = self.targets[top.target]
        if not unit.is_district or unit.kind not in ("prefecture", "region"):
            return ranked
        unit_id = unit.district_id
        own = skeleton(translit_key(unit.name)[0])
        pool = [h for h in ranked if h.score == top.score]
        if top.stage in ("exact", "alias"):
            # GeoNames hits of the key were dropped for the curated one; a seat may be among them.
            listed = {h.target for h in pool}
            pool += [
                _Hit(t, 100.0, curated, "alias" if curated else "exact")
                for t, curated in self.exact.get(exact_key(name), {}).items()
                if t not in listed and self._allowed(t, country, False)
            ]

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
        if districts_only and ranked:
            districts = [h for h in ranked if self.targets[h.target].is_district]
            if not districts:
                # The name is a known place but not a district: say so rather than let the
                # looser stages force it onto some district ("Zharkent" is no "Yarkant").
                t = self.targets[ranked[0].target]
                inside = self.districts.get(t.district_id) if t.district_id else None
                hint = f"; it lies in {inside.name} ({inside.id})" if inside is not None else ""
                msg = (
                    f"No district matches {name!r}: it is {t.name!r} ({t.ref}, "
                    f"{t.precision}){hint}"
                )
                closest: tuple[tuple[str, float], ...] = (
                    (f"{t.name} ({t.ref})", round(ranked[0].score, 1)),
                )
                return _Answer(error=(msg, closest))
            ranked = districts
        implied = suffix_country(name) if country is None else None
        if (
            implied is not None
            and ranked
            and ranked[0].stage in ("transliterated", "fuzzy")
            and self.targets[ranked[0].target].country != implied
        ):
            # "Wensu Xian" misspelt must not land on Vanj in Tajikistan: a Chinese suffix
            # keeps a loose match in China, or finds nothing.
            same = [h for h in ranked if self.targets[h.target].country == implied]
            if not same:
                t = self.targets[ranked[0].target]
                msg = (
                    f"No place matches {name!r} well: its suffix names a place in "
                    f"{implied!r}, and the nearest, {t.name!r} ({t.ref}), is in {t.country!r}"
                )
                return _Answer(error=(msg, ((f"{t.name} ({t.ref})", round(ranked[0].score, 1)),)))
            ranked = same
        if country is not None and ranked and (ranked[0].stage == "fuzzy" or ranked[0].score < 100):
            # A loose match inside the hinted country while the name is exactly a place of
            # another country ("Zharkent" with CN would otherwise become Yarkant): refuse.
            anywhere, _ = self._stage_hits(name, None, districts_only=False)
            exact_elsewhere = self._rank([h for h in anywhere if h.score == 100], kind, tkey)
            if exact_elsewhere:
                t = self.targets[exact_elsewhere[0].target]
                msg = (
                    f"No place in {country!r} matches {name!r} well: it is {t.name!r} "
                    f"({t.ref}) in {t.country!r}; the best in {country!r} is "
                    f"{self.targets[ranked[0].target].name!r} at {ranked[0].score:.1f}"
                )
                closest = tuple(
                    (f"{self.targets[h.target].name} ({self.targets[h.target].ref})",
                     round(h.score, 1))
                    for h in (exact_elsewhere[0], ranked[0])
                )
                return _Answer(error=(msg, closest))
        if not ranked:
            closest = self._closest(name, country, districts_only)
            what = "district" if districts_only else "place"
            where = f" in {country!r}" if country else ""
            listing = ", ".join(f"{n!r} {s:g}" for n, s in closest) or "none"
            msg = f"No {what}{where} matches {name!r} (closest: {listing})"
            outside = self._outside_best(name, country, kind, tkey)
            return _Answer(error=(msg + self._outside_hint(outside), closest))
        if ranked[0].stage != "exact" and ranked[0].stage != "alias":
            # The region filter must not turn a foreign place's own name into a variant of a
            # place in the region ("Samarkant" is Samarkand, not Temirtau's old name).
            outside = self._outside_best(name, country, kind, tkey)
            if outside is not None and self._outranks(name, outside, ranked[0], kind, tkey):
                t = self.targets[ranked[0].target]
                msg = (
                    f"No place in Xinjiang or Kazakhstan matches {name!r} well: the nearest, "
                    f"{t.name!r} ({t.ref}), has it only as a variant"
                    + self._outside_hint(outside)
                )
                closest = tuple(
                    (f"{self.targets[h.target].name} ({self.targets[h.target].ref})",
                     round(h.score, 1))
                    for h in (outside, ranked[0])
                )
                return _Answer(error=(msg, closest))
        rival = self._rival(ranked, kind, tkey)
        if rival is not None:
            a, b = self.targets[ranked[0].target], self.targets[rival.target]
            msg = (
                f"No place matches {name!r} unambiguously: {a.name!r} ({a.ref}, {a.country}) "
                f"and {b.name!r} ({b.ref}, {b.country}) fit it as well as each other "
                f"({ranked[0].stage}, score {ranked[0].score:.1f} and {rival.score:.1f}); "
                "give a country hint, a fuller name or coordinates"
            )
            closest = tuple(
                (f"{self.targets[h.target].name} ({self.targets[h.target].ref})",
                 round(h.score, 1))
                for h in (ranked[0], rival)
            )
            return _Answer(error=(msg, closest))
        if not districts_only:
            ranked = self._prefer_seat(name, ranked, country)
        top, rest = ranked[0], ranked[1:5]
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
        place = Place(
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
        )
        return _Answer(place=place)

    def lookup(self, name: str, *, country: str | None = None, districts_only: bool = False
               ) -> Place:
        """Geocode one name (memoised); see :func:`geocode`.

        Raises
        ------
        PlaceNotFound
            If no stage finds a place (``DistrictNotFound`` with ``districts_only``).
        """
        if not isinstance(name, str):
            msg = f"a place name must be a string, not {name!r}"
            raise TypeError(msg)
        cache_key = (name, country, districts_only)
        answer = self._cache.get(cache_key)
        if answer is None:
            answer = self._answer(name, country, districts_only)
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


@lru_cache(maxsize=1)
def default_index() -> GeocodeIndex:
    """Return the index built from the shipped gazetteer, alias table and districts (cached)."""
    # Imported here: geo.districts loads geopandas, which ``import geo`` should not pay for.
    _districts = importlib.import_module("geo.districts")

    aliases = load_aliases() if DEFAULT_ALIASES.exists() else ()
    if not aliases:
        logger.warning("no alias table at %s: geocoding with GeoNames names only", DEFAULT_ALIASES)
    return GeocodeIndex.build(
        load_gazetteer(),
        aliases,
        _districts.all_districts(),
        _districts.district_at,
    )


def geocode(name: str, *, country: str | None = None) -> Place:
    """Geocode a place name written in any script.

    Parameters
    ----------
    name : str
        The name as written ("Bouryltogay", "福海县", "Shaueshek city", "Ғұлжа").
    country : str, optional
        ISO 3166-1 alpha-2 code; only places in that country are considered.

    Returns
    -------
    Place

    Raises
    ------
    PlaceNotFound
        If nothing matches well enough; the message and ``.candidates`` name the closest places.
    ValueError
        If ``country`` is not a two-letter code.

    Examples
    --------
    >>> geocode("Bouryltogay").district.id  # doctest: +SKIP
    'CN-654323'
    """
    return default_index().lookup(name, country=check_country(country))


def geocode_many(
    names: Iterable[str], *, country: str | None = None
) -> list[Place | PlaceNotFound]:
    """Geocode many names; a name that matches nothing gives its :class:`PlaceNotFound`.

    Parameters
    ----------
    names : iterable of str
        Names in any script.
    country : str, optional
        ISO 3166-1 alpha-2 code applied to every name.

    Returns
    -------
    list of Place or PlaceNotFound
        One item per name, in order.
    """
    index = default_index()
    code = check_country(country)
    out: list[Place | PlaceNotFound] = []
    for name in names:
        try:
            out.append(index.lookup(name, country=code))
        except PlaceNotFound as exc:
            out.append(exc)
    return out


def find_district(name: str) -> District:
    """Return the district (county, prefecture or Kazakhstan region) a name stands for.

    Parameters
    ----------
    name : str
        A district id (``CN-654323``) or any name of the district in any script ("Fuhai",
        "Bouryltogay", "福海县", "Ili", "Алматы облысы").

    Returns
    -------
    District
        For a name a prefecture shares with its seat ("Kashgar", "Altay", "Aksu") the
        prefecture, the larger unit; :func:`geocode` gives the seat for such a name.

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

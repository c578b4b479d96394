"""The agency catalogue: the city-edited YAML file that says who handles what, and how fast.

The file is the source of truth an operator edits; `load_catalogue` copies it into the database so
cases can reference agencies and categories by key and keep their history when the file changes.
"""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Literal

import shapely
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from shapely.geometry import shape

AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
AREA_CODE = CATEGORY_CODE
AREA_GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# what an attribute's code may be: it travels in form fields as attribute[code]
ATTRIBUTE_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# Open311 GeoReport v2's datatypes; the list types offer the attribute's `values`
AttributeDatatype = Literal[
    "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"
]
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
# what a body complaints are routed to is: one of the city's agencies, or a referral body
# outside the city government (PLN, the police...) that a resident is pointed to instead
AgencyKind = Literal["city", "referral"]
CITY: AgencyKind = "city"
REFERRAL: AgencyKind = "referral"
# how a referral body is named where routing's output meets hand labels: referral:PLN
REFERRAL_PREFIX = "referral:"


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says where and why."""


class Keywords(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    @field_validator("id", "en")
    @classmethod
    def _normalise(cls, words: list[str]) -> list[str]:
        cleaned = [" ".join(w.lower().split()) for w in words]
        return [w for w in cleaned if w]

    def all(self) -> list[str]:
        return [*self.id, *self.en]


class AttributeValue(BaseModel):
    """One choice of a list attribute: its key (what a client sends) and its names."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)


class AttributeSpec(BaseModel):
    """A question a category asks besides the complaint's words ("is the road closed?"),
    as Open311 service definitions publish it (open311/)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    datatype: AttributeDatatype
    required: bool = False
    description: str = Field(min_length=1, max_length=500)
    description_en: str = Field(min_length=1, max_length=500)
    # the position the question takes among the category's, 1 first; unique in the category
    order: int = Field(gt=0, le=1000)
    # the choices of a singlevaluelist or multivaluelist; none for the other datatypes
    values: list[AttributeValue] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not ATTRIBUTE_CODE.match(code):
            raise ValueError("attribute code must be letters, digits and _, e.g. road_closed")
        return code

    @model_validator(mode="after")
    def _values_fit_datatype(self) -> AttributeSpec:
        listed = self.datatype in LIST_DATATYPES
        if listed and not self.values:
            raise ValueError(f"a {self.datatype} attribute needs values to choose from")
        if not listed and self.values:
            raise ValueError(f"a {self.datatype} attribute takes no values")
        keys = [value.key for value in self.values]
        if len(set(keys)) != len(keys):
            raise ValueError("the keys of an attribute's values must be unique")
        return self


class CategorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    name_en: str
    sla_hours: int = Field(gt=0, le=24 * 365)
    keywords: Keywords
    # a case of this category is resolved only with an after-photo (cases/proof.py)
    proof_required: bool = False
    # what a complaint of this category is asked besides its words (Open311 service definition)
    attributes: list[AttributeSpec] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not CATEGORY_CODE.match(code):
            raise ValueError("category code must be lower_snake_case, e.g. road_damage")
        return code

    @model_validator(mode="after")
    def _unique_attributes(self) -> CategorySpec:
        for what in ("code", "order"):
            seen = [getattr(attribute, what) for attribute in self.attributes]
            if len(set(seen)) != len(seen):
                raise ValueError(f"the attributes of a category must each have their own {what}")
        return self


class AreaSpec(BaseModel):
    """One service area of an agency: an office and the polygon it works in (lon/lat, WGS84)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    geometry: dict


class AgencySpec(BaseModel):
    """A city agency, or (kind referral) a body outside the city government that residents are
    pointed to: then `channel`, `channel_en` and perhaps `hotline` say where to go."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    name_en: str
    categories: list[CategorySpec] = Field(min_length=1)
    # a GeoJSON FeatureCollection of the agency's service areas, relative to the catalogue file
    areas: str | None = Field(default=None, min_length=1)
    kind: AgencyKind = CITY
    # a referral body's website, app or office, in Indonesian and English
    channel: str | None = Field(default=None, min_length=1, max_length=300)
    channel_en: str | None = Field(default=None, min_length=1, max_length=300)
    # a referral body's call-centre number, as residents dial it
    hotline: str | None = Field(default=None, min_length=1, max_length=40)
    _service_areas: list[AreaSpec] = PrivateAttr(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not AGENCY_CODE.match(code):
            raise ValueError("agency code must be upper case letters and digits, e.g. DPU")
        return code

    @model_validator(mode="after")
    def _where_to_go(self) -> AgencySpec:
        if self.kind == REFERRAL and not (self.channel and self.channel_en):
            raise ValueError("a referral body needs channel and channel_en: where to go")
        if self.kind == CITY and (self.channel or self.channel_en or self.hotline):
            raise ValueError("channel, channel_en and hotline are for referral bodies only")
        if self.kind == REFERRAL and self.areas:
            raise ValueError("a referral body has no service areas")
        return self

    @property
    def service_areas(self) -> list[AreaSpec]:
        """The areas `read_catalogue` read from the `areas` file; none without one."""
        return self._service_areas


class Catalogue(BaseModel):
    """Every body complaints are routed to. The file lists the city's agencies under
    `agencies` and referral bodies under `referrals`; once read, `agencies` holds both (the
    referral bodies last, with kind referral), so routing treats them alike."""

    model_config = ConfigDict(extra="forbid")

    agencies: list[AgencySpec] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _referrals_are_agencies(cls, raw: object) -> object:
        if not isinstance(raw, dict) or "referrals" not in raw:
            return raw
        raw = dict(raw)
        referrals = raw.pop("referrals") or []
        if not isinstance(referrals, list) or not all(isinstance(r, dict) for r in referrals):
            raise ValueError("referrals must be a list of referral bodies")
        if any("kind" in r for r in referrals):
            raise ValueError("referrals take no kind: every entry there is a referral body")
        raw["agencies"] = [
            *(raw.get("agencies") or []),
            *({**r, "kind": REFERRAL} for r in referrals),
        ]
        return raw

    @property
    def referrals(self) -> list[AgencySpec]:
        """The referral bodies, in the file's order."""
        return [a for a in self.agencies if a.kind == REFERRAL]

    @property
    def referral_codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.referrals)

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalogue:
        agency_codes = [a.code for a in self.agencies]
        category_codes = [c.code for a in self.agencies for c in a.categories]
        for kind, codes in (("agency", agency_codes), ("category", category_codes)):
            repeated = sorted({c for c in codes if codes.count(c) > 1})
            if repeated:
                raise ValueError(f"{kind} codes must be unique; repeated: {', '.join(repeated)}")
        return self


def destination(agency: str | None, referrals: frozenset[str]) -> str | None:
    """How routing names where it sends a text: an agency's code, or `referral:<CODE>` for one
    of the `referrals` (referral bodies' codes)."""
    return f"{REFERRAL_PREFIX}{agency}" if agency in referrals else agency


def default_catalogue_path() -> Path:
    """The catalogue shipped with Aduan, for a Central Java city."""
    return Path(str(resources.files("routing") / "data" / "catalogue.yaml"))


def _feature_code(feature: object) -> str | None:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    code = properties.get("code") if isinstance(properties, dict) else None
    return code if isinstance(code, str) else None


def _area(feature: object) -> AreaSpec:
    """The service area a GeoJSON Feature describes; a ValueError says what is wrong with it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError('not a GeoJSON Feature (needs "type": "Feature")')
    code = _feature_code(feature)
    if code is None or not AREA_CODE.match(code):
        raise ValueError("properties.code must be lower_snake_case, e.g. uptd_barat")
    name = feature["properties"].get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise ValueError("properties.name must be a non-empty text of at most 200 characters")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in AREA_GEOMETRY_TYPES:
        raise ValueError("geometry must be a GeoJSON Polygon or MultiPolygon")
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.GEOSException):
        raise ValueError(
            "geometry coordinates are not a GeoJSON polygon ([[[lon, lat], ...]])"
        ) from None
    if polygon.is_empty:
        raise ValueError("geometry is empty")
    west, south, east, north = polygon.bounds
    if not all(math.isfinite(v) for v in polygon.bounds):
        raise ValueError("geometry has coordinates that are not numbers")
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(
            "coordinates must be [longitude, latitude] in WGS84 degrees "
            f"(found longitudes {west:g}..{east:g}, latitudes {south:g}..{north:g})"
        )
    if not polygon.is_valid:
        raise ValueError(f"geometry is not a valid polygon: {shapely.is_valid_reason(polygon)}")
    plain = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return AreaSpec(code=code, name=name.strip(), geometry=plain)


def read_areas(path: Path | str) -> list[AreaSpec]:
    """Read and check a GeoJSON FeatureCollection of service areas."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read service areas {path}: {exc.strerror}") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise CatalogueError(f"service areas {path} is not valid JSON: {exc}") from exc
    if not (
        isinstance(raw, dict)
        and raw.get("type") == "FeatureCollection"
        and isinstance(raw.get("features"), list)
    ):
        raise CatalogueError(f"service areas {path} must be a GeoJSON FeatureCollection")
    areas: list[AreaSpec] = []
    feature_with_code: dict[str, int] = {}
    for number, feature in enumerate(raw["features"], start=1):
        code = _feature_code(feature)
        where = f"service areas {path}, feature {number}" + (f" ({code})" if code else "")
        try:
            area = _area(feature)
        except ValueError as exc:
            raise CatalogueError(f"{where}: {exc}") from None
        if area.code in feature_with_code:
            raise CatalogueError(
                f"{where}: code {area.code} is already used by feature "
                f"{feature_with_code[area.code]}; codes must be unique within the file"
            )
        feature_with_code[area.code] = number
        areas.append(area)
    return areas


def read_catalogue(path: Path | str) -> Catalogue:
    """Parse and validate a catalogue file, with errors an operator can act on.

    An agency's `areas` file is read too, relative to the catalogue's folder.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"catalogue {path} is not valid YAML: {exc}") from exc
    try:
        catalogue = Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CatalogueError(f"catalogue {path} is invalid: {problems}") from exc
    for agency in catalogue.agencies:
        if agency.areas is not None:
            try:
                agency._service_areas = read_areas(path.parent / agency.areas)
            except CatalogueError as exc:
                raise CatalogueError(f"catalogue {path}, agency {agency.code}: {exc}") from exc
    return catalogue

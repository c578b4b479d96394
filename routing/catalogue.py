"""The agency catalogue: the city-edited YAML file that says who handles what, and how fast.

The file is the source of truth an operator edits; `load_catalogue` copies it into the database so
cases can reference agencies and categories by key and keep their history when the file changes.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


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


class CategorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    name_en: str
    sla_hours: int = Field(gt=0, le=24 * 365)
    keywords: Keywords

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not CATEGORY_CODE.match(code):
            raise ValueError("category code must be lower_snake_case, e.g. road_damage")
        return code


class AgencySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    name_en: str
    categories: list[CategorySpec] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not AGENCY_CODE.match(code):
            raise ValueError("agency code must be upper case letters and digits, e.g. DPU")
        return code


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agencies: list[AgencySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalogue:
        agency_codes = [a.code for a in self.agencies]
        category_codes = [c.code for a in self.agencies for c in a.categories]
        for kind, codes in (("agency", agency_codes), ("category", category_codes)):
            repeated = sorted({c for c in codes if codes.count(c) > 1})
            if repeated:
                raise ValueError(f"{kind} codes must be unique; repeated: {', '.join(repeated)}")
        return self


def default_catalogue_path() -> Path:
    """The catalogue shipped with Aduan, for a Central Java city."""
    return Path(str(resources.files("routing") / "data" / "catalogue.yaml"))


def read_catalogue(path: Path | str) -> Catalogue:
    """Parse and validate a catalogue file, with errors an operator can act on."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"catalogue {path} is not valid YAML: {exc}") from exc
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CatalogueError(f"catalogue {path} is invalid: {problems}") from exc

"""All configuration, read from the environment in one place."""

from __future__ import annotations

import re
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRET = "dev-insecure-change-me"
# HS256 signs with the key: RFC 7518 asks for at least as many bytes as the hash (32)
SECRET_KEY_MIN_BYTES = 32
# the image files CITY_LOGO may name, and the type each is served as
LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pick drivers we ship.

    Heroku-style platforms give `postgres://`, which SQLAlchemy no longer understands, and a bare
    `postgresql://` would ask for psycopg2, which we do not install.
    """
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///./aduan.db"
    redis_url: str | None = None
    rq_queue: str = "aduan"
    secret_key: str = PLACEHOLDER_SECRET
    # how long a console sign-in or an API token lasts (each is a session the server can end)
    access_token_minutes: int = Field(default=480, gt=0)
    # argon2id cost of staff passwords: RFC 9106's second recommended option by default. A hash
    # records its own cost, so after a change each password is hashed again at its next sign-in
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_time_cost: int = Field(default=3, ge=1)
    # who may read the API documentation (/docs, /redoc, /openapi.json): everyone, only staff
    # signed in to the console, or nobody; unset, everyone in development and tests, nobody in
    # production
    api_docs: Literal["public", "staff", "off"] = Field(
        default_factory=lambda values: "off" if values["app_env"] == "production" else "public"
    )
    public_base_url: str = "http://localhost:8000"
    default_language: Literal["id", "en"] = "id"

    catalogue_file: Path | None = None
    routing_min_confidence: float = Field(default=0.9, ge=0, le=1)
    # the model `aduan routing train` writes and routing loads; without it, routing trains in memory
    routing_model_file: Path = Path("./routing-model.joblib")
    # labelled complaints to train on; None means the file shipped in routing/data/examples.csv
    routing_examples_file: Path | None = None
    triage_sla_hours: int = Field(default=24, gt=0)
    # SLA hours count only on working days of this calendar (national holidays and joint
    # leave days of the country, plus the city's own list edited in the console)
    city_timezone: str = "Asia/Jakarta"
    holiday_country: str = "ID"
    # a case resolved this long without a reopen closes itself, and the citizen is told
    auto_close_days: int = Field(default=7, gt=0)
    # overdue by more than these hours: escalate to the agency head, then to the supervisors
    escalation_hours: Annotated[list[int], NoDecode] = Field(default=[24, 72])
    # the hour (city time) from which officers get their daily overdue digest
    digest_hour: int = Field(default=7, ge=0, le=23)
    # how often the follow-up job (auto-close, escalation, digest, retention) runs
    followup_interval_seconds: float = Field(default=300.0, gt=0)
    # a case closed (closed, merged or rejected) this many days ago no longer names its
    # reporter: the follow-up pass erases the link, and the contact itself once nothing else
    # of theirs is kept (privacy/retention.py)
    contact_retention_days: int = Field(default=365, gt=0)
    # ... and its photos and files are deleted from storage this many days after; 0 keeps them
    media_retention_days: int = Field(default=730, ge=0)
    # when a case shows on the public map, list and feeds (cases/publishing.py): once staff
    # reviewed it, at once, or never
    publish_policy: Literal["reviewed", "immediate", "never"] = "reviewed"
    # the public case page names the staff member behind each step (their full name)
    public_officer_names: bool = False
    # the console's map tiles; the Leaflet code itself is served by the app
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "&copy; OpenStreetMap contributors"
    # where the web form's map opens before the resident places a pin: "latitude,longitude"
    # (the shipped catalogue's city, Semarang)
    map_center: Annotated[tuple[float, float], NoDecode] = (-6.9932, 110.4203)
    duplicate_max_distance_m: float = Field(default=150.0, ge=0)
    duplicate_min_similarity: float = Field(default=0.35, ge=0, le=1)
    duplicate_window_days: int = Field(default=30, gt=0)
    # "already reported?": how far from a new complaint's place the web form and the chat bots
    # look for an open public case of the same category to offer following (cases/following.py)
    already_reported_radius_m: float = Field(default=250.0, ge=0, le=5000)
    # "already reported?" searches one client address may make per hour (the web form asks
    # as the resident types, debounced; each search runs the classifier); 0 = off
    nearby_searches_per_hour: int = Field(default=600, ge=0)

    notify_retry_delays: Annotated[list[int], NoDecode] = Field(default=[30, 120, 600, 1800, 7200])
    # how long a claim holds its messages unless its sender renews it (NOTIFY_HEARTBEAT_SECONDS):
    # the longest a dead worker's messages wait before another may send them
    notify_lease_seconds: float = Field(default=25.0, gt=0)
    # how often `aduan worker` hands over again what should have gone out and did not (a lost
    # enqueue, a dead worker's messages once their lease ran out)
    notify_sweep_seconds: float = Field(default=5.0, gt=0)
    # how long a web process gathers committed messages before it hands them to RQ as one job
    # (of up to 20): fewer, larger jobs cost every process less CPU per complaint (a job's own
    # cost to the worker is several messages' sends), and a resident does not notice the wait
    # (docs/performance.md)
    notify_gather_ms: int = Field(default=250, ge=0, le=1000)
    # messages one delivery job has at the providers at once (to different citizens; one
    # citizen's go one after another): a send mostly waits for the provider's answer
    notify_send_concurrency: int = Field(default=10, ge=1, le=32)
    # failed attempts in a row after which a partner's webhook endpoint is paused (its events
    # held) and the admins are told by e-mail; an admin resumes it (notifications/webhooks.py)
    webhook_pause_after_failures: int = Field(default=10, ge=1)
    # how far `aduan worker` lowers its CPU priority: where it shares a machine with the web
    # processes, they get a core first when both want one (the worker still sends in between)
    worker_nice: int = Field(default=10, ge=0, le=19)

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # seconds a provider call (a webhook delivery too) may take before it counts as failed and
    # is retried later
    provider_timeout_seconds: float = Field(default=15.0, gt=0)
    # WhatsApp templates per message kind, e.g. {"status_changed": "HX..."}; used outside the
    # 24-hour window, where free text is refused. Without one, the update goes by SMS.
    twilio_whatsapp_templates: dict[str, str] = Field(default_factory=dict)

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    # the bot's @username: with it, the web form offers updates on Telegram through a
    # t.me/<username>?start=<token> link that binds the case to the resident's chat
    telegram_bot_username: str | None = None

    media_dir: Path = Path("./media")
    media_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    media_allowed_types: Annotated[list[str], NoDecode] = Field(
        default=[
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "video/mp4",
            # voice notes and recordings residents send: Telegram and WhatsApp voice notes are
            # Ogg/Opus, iPhones record MP4 audio, older phones AMR
            "audio/ogg",
            "audio/mpeg",
            "audio/mp4",
            "audio/amr",
            "application/pdf",
        ]
    )
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_from: str = "Aduan <no-reply@localhost>"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 15.0

    # new complaints one sender (chat, phone number, e-mail address) may file per hour; 0 = off
    intake_limit_per_hour: int = Field(default=10, ge=0)
    # new web and API complaints one client address may file per hour, whatever contact they
    # give: a loose brake, as mobile carriers put many residents behind one address; 0 = off
    web_complaints_per_address_per_hour: int = Field(default=100, ge=0)
    # Open311 requests and updates one partner's API key may post per hour, for all the
    # residents it files for (each resident still meets INTAKE_LIMIT_PER_HOUR); 0 = off
    open311_posts_per_key_per_hour: int = Field(default=600, ge=0)
    # tracking codes that find no complaint one client may look up per hour (status page, API,
    # CEK); past it every lookup of theirs is refused until the hour moves on; 0 = off
    lookup_misses_per_hour: int = Field(default=20, ge=0)
    # complaints one web process works on at once through the API; more wait their turn. The
    # work is Python holding the GIL, so more threads than this only add switching between them
    intake_concurrency: int = Field(default=2, ge=1)
    # the largest request body read at all; unset: MEDIA_MAX_BYTES plus 1 MiB for the form around it
    max_request_bytes: int | None = Field(default=None, gt=0)
    log_format: Literal["text", "json"] = "text"

    # whose service this is, on every public page: the city's name, its logo (an image file
    # the app serves at /logo, also the favicon; unset: the shipped one) and its hotline
    city_name: str = Field(default="Aduan Warga", min_length=1, max_length=100)
    city_logo: Path | None = None
    city_hotline: str | None = Field(default=None, max_length=40)

    # worker death (notifications/lease.py): how often a process that sends renews the lease on
    # the messages it claimed, each time for NOTIFY_LEASE_SECONDS
    notify_heartbeat_seconds: float = Field(default=5.0, gt=0, le=60)
    # the Prometheus metrics at /metrics (aduan/metrics.py): who may read them, by a bearer token
    # and/or by the client's address (networks, e.g. 10.0.0.0/8,::1/128); with both set a scrape
    # needs both, with neither /metrics is off (404)
    metrics_token: str | None = Field(default=None, min_length=16, max_length=256)
    metrics_allow: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list
    )
    # read replica and public reads (issue #25): reads that may be a moment behind (public
    # pages and feeds, Open311's reading side, statistics, exports, case search) go to
    # DATABASE_READ_URL, a PostgreSQL streaming replica, while it answers and is at most
    # READ_REPLICA_MAX_LAG_S behind; else to DATABASE_URL. Unset: every read is the primary's
    database_read_url: str | None = None
    read_replica_max_lag_s: float = Field(default=5.0, gt=0, le=3600)
    # anonymous public reads one web process serves at once; more wait up to
    # PUBLIC_READ_WAIT_S for a turn, then get 503 with Retry-After, so officers keep their share
    # of the threads, connections and CPU (one: bench.public_load, docs/performance.md)
    public_read_concurrency: int = Field(default=1, ge=1, le=200)
    public_read_wait_s: float = Field(default=2.0, ge=0, le=60)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        return normalise_database_url(url)

    @field_validator("database_read_url")
    @classmethod
    def _read_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        url = normalise_database_url(url)
        if not url.startswith("postgresql"):
            raise ValueError(
                "a read replica is a PostgreSQL streaming one: give a postgresql:// URL"
            )
        return url

    @field_validator(
        "redis_url",
        "telegram_bot_token",
        "twilio_account_sid",
        "smtp_host",
        "s3_bucket",
        "city_hotline",
    )
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _no_token(cls, value: object) -> object:
        return value or None

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for part in filter(None, (part.strip() for part in value.split(","))):
            try:
                networks.append(ip_network(part))
            except ValueError as exc:
                raise ValueError(f"'{part}' is not a network such as 10.0.0.0/8 ({exc})") from None
        return networks

    @field_validator("notify_retry_delays", "escalation_hours", mode="before")
    @classmethod
    def _delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("map_center", mode="before")
    @classmethod
    def _center(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(","))
        return value

    @field_validator("map_center")
    @classmethod
    def _center_on_earth(cls, center: tuple[float, float]) -> tuple[float, float]:
        if not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
            raise ValueError("give latitude,longitude, e.g. -6.9932,110.4203")
        return center

    @field_validator("media_allowed_types", mode="before")
    @classmethod
    def _types(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("escalation_hours")
    @classmethod
    def _ladder(cls, hours: list[int]) -> list[int]:
        if hours != sorted(set(hours)) or any(h <= 0 for h in hours) or len(hours) > 2:
            raise ValueError("give one or two rising positive hour counts, e.g. 24,72")
        return hours

    @field_validator("city_timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{name}'") from exc
        return name

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, name: str | None) -> str | None:
        name = (name or "").strip().removeprefix("@")
        if name and not re.fullmatch(r"[A-Za-z0-9_]{5,32}", name):
            raise ValueError("a Telegram bot username has 5 to 32 letters, digits or _")
        return name or None

    @field_validator("city_logo")
    @classmethod
    def _logo(cls, path: Path | None) -> Path | None:
        if path is not None and path.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"the logo must be one of {', '.join(sorted(LOGO_TYPES))}")
        if path is not None and not path.is_file():
            raise ValueError(f"no logo file at {path}")
        return path

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        return url.rstrip("/")

    @model_validator(mode="after")
    def _request_limit(self) -> Settings:
        if self.max_request_bytes is None:
            self.max_request_bytes = self.media_max_bytes + 1024 * 1024
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        # a send starts only while its lease outlasts it (one still running when the lease ends
        # could be claimed and sent again elsewhere); the lease falls to its shortest just
        # before a heartbeat renews it, so it must then still outlast a send, or none starts
        shortest = self.notify_lease_seconds - self.notify_heartbeat_seconds
        if shortest <= self.provider_timeout_seconds:
            raise ValueError(
                "NOTIFY_LEASE_SECONDS must be longer than NOTIFY_HEARTBEAT_SECONDS plus "
                "PROVIDER_TIMEOUT_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        # it signs the console's cookies and the API's tokens: a guessable one forges both
        if self.app_env != "production":
            return self
        if self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("SECRET_KEY must be set to a long random value in production")
        if len(self.secret_key.encode()) < SECRET_KEY_MIN_BYTES:
            raise ValueError(
                f"SECRET_KEY must be at least {SECRET_KEY_MIN_BYTES} bytes long in production "
                f"(it has {len(self.secret_key.encode())}); make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    @model_validator(mode="after")
    def _refuse_cheap_password_hashes(self) -> Settings:
        # OWASP's floor for argon2id: 19 MiB of memory and two passes
        if self.app_env == "production" and (
            self.password_hash_memory_kib < 19456 or self.password_hash_time_cost < 2
        ):
            raise ValueError(
                "PASSWORD_HASH_MEMORY_KIB must be at least 19456 and PASSWORD_HASH_TIME_COST at "
                "least 2 in production"
            )
        return self

    @model_validator(mode="after")
    def _replica_of_postgresql(self) -> Settings:
        if self.database_read_url and self.is_sqlite:
            raise ValueError("DATABASE_READ_URL needs a PostgreSQL DATABASE_URL to be a replica of")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def settings_problems(exc: ValidationError) -> str:
    """What is wrong with the environment's settings, one line each, by variable name; never
    the values, which hold secrets."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "invalid settings:\n" + "\n".join(f"  {line}" for line in lines)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear this cache after changing the environment."""
    return Settings()

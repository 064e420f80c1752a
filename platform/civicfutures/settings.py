"""Settings read from the environment, in one place.

Every field documents the environment variable it reads. `get_settings()` is cached; tests
that change the environment call `get_settings.cache_clear()`.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of addresses or networks (`10.0.0.0/8, ::1`)."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in _env(name, "").split(",")
        if item.strip()
    )


def _resource_dir(env_name: str, top_level: str) -> Path:
    """A top-level folder of the project (locales/, migrations/), found without guessing.

    Order: the environment variable; the folder in the working directory (a checkout);
    the copy shipped inside an installed wheel.
    """
    explicit = os.environ.get(env_name)
    if explicit:
        return Path(explicit).resolve()
    in_checkout = Path.cwd() / top_level
    if in_checkout.is_dir():
        return in_checkout.resolve()
    shipped = _PACKAGE_DIR / "_shipped" / top_level
    if shipped.is_dir():
        return shipped
    # An editable install run from elsewhere: the package sits in <root>/platform/civicfutures.
    return (_PACKAGE_DIR.parent.parent / top_level).resolve()


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default_factory=lambda: _env("CIVICFUTURES_DATABASE_URL", "sqlite:///var/civicfutures.db")
    )
    """CIVICFUTURES_DATABASE_URL: `sqlite:///relative/or/absolute.db` or `postgresql://user@host:port/db`."""

    sqlite_busy_timeout_s: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_SQLITE_BUSY_TIMEOUT", "5"))
    )
    """CIVICFUTURES_SQLITE_BUSY_TIMEOUT: seconds a SQLite writer waits for a lock before failing."""

    sqlite_readers: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_SQLITE_READERS", "2"))
    )
    """CIVICFUTURES_SQLITE_READERS: SQLite connections per process for reads outside writes."""

    sqlite_synchronous: str = field(
        default_factory=lambda: _env("CIVICFUTURES_SQLITE_SYNCHRONOUS", "NORMAL").upper()
    )
    """CIVICFUTURES_SQLITE_SYNCHRONOUS: `NORMAL` (WAL: a committed write survives a crash of the
    process; the last ones may roll back on a power cut or OS crash) or `FULL` (survives those
    too, at the price of an fsync per commit, a few ms on many disks)."""

    pg_pool_size: int = field(default_factory=lambda: int(_env("CIVICFUTURES_PG_POOL_SIZE", "4")))
    """CIVICFUTURES_PG_POOL_SIZE: PostgreSQL connections per process. Small on purpose: more
    server backends than about twice the server's cores only compete for the CPU, and the
    slowest requests wait in the scheduler instead of in the pool's queue (on 2 cores with 2
    workers, 10 connections each gave a story-POST p99 of 101 ms, 4 gave 67 ms)."""

    pg_connect_timeout_s: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_PG_CONNECT_TIMEOUT", "3"))
    )
    """CIVICFUTURES_PG_CONNECT_TIMEOUT: seconds to open a connection or wait for a pooled one;
    past it a request answers 503 instead of hanging while PostgreSQL is away."""

    pg_command_timeout_s: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_PG_COMMAND_TIMEOUT", "60"))
    )
    """CIVICFUTURES_PG_COMMAND_TIMEOUT: seconds a single statement may run before it fails."""

    locales_dir: Path = field(
        default_factory=lambda: _resource_dir("CIVICFUTURES_LOCALES_DIR", "locales")
    )
    """CIVICFUTURES_LOCALES_DIR: gettext catalogs (`<lang>/LC_MESSAGES/messages.po`)."""

    english_formats: str = field(
        default_factory=lambda: _env("CIVICFUTURES_ENGLISH_FORMATS", "en-GB")
    )
    """CIVICFUTURES_ENGLISH_FORMATS: the CLDR locale English pages format dates, times and numbers
    in; day-month-year British usage suits a European audience (`en-US` for month-day-year)."""

    time_zone: str = field(default_factory=lambda: _env("CIVICFUTURES_TIME_ZONE", "UTC"))
    """CIVICFUTURES_TIME_ZONE: the IANA zone (`Europe/Brussels`) of times that belong to no site,
    such as tokens and the audit log; a site's times are shown in its country's zone."""

    migrations_dir: Path = field(
        default_factory=lambda: _resource_dir("CIVICFUTURES_MIGRATIONS_DIR", "migrations")
    )
    """CIVICFUTURES_MIGRATIONS_DIR: the Piccolo migrations folder."""

    exports_dir: Path = field(
        default_factory=lambda: Path(_env("CIVICFUTURES_EXPORTS_DIR", "exports")).resolve()
    )
    """CIVICFUTURES_EXPORTS_DIR: this machine's working files (export work areas, briefings
    being built) and the default store (CIVICFUTURES_STORAGE_URL)."""

    storage_url: str = field(
        default_factory=lambda: _env(
            "CIVICFUTURES_STORAGE_URL",
            Path(_env("CIVICFUTURES_EXPORTS_DIR", "exports")).resolve().as_uri(),
        )
    )
    """CIVICFUTURES_STORAGE_URL: where snapshots, briefings, kept exports, spreadsheets kept
    between their check and their import, and recordings are stored:
    `file:///absolute/folder` (by default CIVICFUTURES_EXPORTS_DIR) or `s3://bucket/prefix`,
    which reads the usual `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    `AWS_REGION` variables."""

    recording_max_bytes: int = field(
        default_factory=lambda: int(
            _env("CIVICFUTURES_RECORDING_MAX_BYTES", str(200 * 1024 * 1024))
        )
    )
    """CIVICFUTURES_RECORDING_MAX_BYTES: the largest audio or video recording a story may carry;
    a larger upload is refused with 413 before it is stored."""

    var_dir: Path = field(
        default_factory=lambda: Path(_env("CIVICFUTURES_VAR_DIR", "var")).resolve()
    )
    """CIVICFUTURES_VAR_DIR: the server's working files."""

    import_keep_minutes: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_IMPORT_KEEP_MINUTES", "30"))
    )
    """CIVICFUTURES_IMPORT_KEEP_MINUTES: how long a spreadsheet that passed its check is kept
    on the server so that the partner can import it without choosing it again; `0` keeps
    none (the file is then chosen again to import it)."""

    import_sync_limit: int = field(
        default_factory=lambda: max(0, int(_env("CIVICFUTURES_IMPORT_SYNC_LIMIT", "5000")))
    )
    """CIVICFUTURES_IMPORT_SYNC_LIMIT: stories in a file up to which an import is committed
    within the request; a file with more is checked in the request, then committed by a job
    (202 with the job; `0` queues every commit)."""

    max_request_bytes: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_MAX_REQUEST_BYTES", str(1024 * 1024)))
    )
    """CIVICFUTURES_MAX_REQUEST_BYTES: larger request bodies are refused with 413."""

    secret_key: str = field(default_factory=lambda: _env("CIVICFUTURES_SECRET_KEY", ""))
    """CIVICFUTURES_SECRET_KEY: signs session and CSRF cookies; when empty, one is generated
    and kept in `var/secret_key` so every worker of a machine shares it."""

    https: bool = field(default_factory=lambda: _env("CIVICFUTURES_HTTPS", "") == "1")
    """CIVICFUTURES_HTTPS: `1` when served over https (cookies then carry `Secure`)."""

    login_free_failures: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_LOGIN_FREE_FAILURES", "5"))
    )
    """CIVICFUTURES_LOGIN_FREE_FAILURES: failed sign-ins, per e-mail address and per client
    address, before each further attempt has to wait (2, 4, 8… seconds)."""

    login_backoff_max_seconds: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_LOGIN_BACKOFF_MAX_SECONDS", "900"))
    )
    """CIVICFUTURES_LOGIN_BACKOFF_MAX_SECONDS: the longest wait between sign-in attempts."""

    login_rate_per_minute: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_LOGIN_RATE_PER_MINUTE", "20"))
    )
    """CIVICFUTURES_LOGIN_RATE_PER_MINUTE: sign-in attempts per client address and process."""

    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default_factory=lambda: _networks("CIVICFUTURES_TRUSTED_PROXIES")
    )
    """CIVICFUTURES_TRUSTED_PROXIES: addresses or networks of the reverse proxies in front of the
    server, comma-separated. Only requests from them have `X-Forwarded-For` read; by default
    none, and the socket peer is the client."""

    token_max_days: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_TOKEN_MAX_DAYS", "90"))
    )
    """CIVICFUTURES_TOKEN_MAX_DAYS: the longest an API token may live; every token expires."""

    token_default_days: int = field(
        default_factory=lambda: int(_env("CIVICFUTURES_TOKEN_DEFAULT_DAYS", "30"))
    )
    """CIVICFUTURES_TOKEN_DEFAULT_DAYS: a new token's lifetime when none is asked for (at most
    CIVICFUTURES_TOKEN_MAX_DAYS)."""

    idempotency_ttl_hours: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_IDEMPOTENCY_TTL_HOURS", "24"))
    )
    """CIVICFUTURES_IDEMPOTENCY_TTL_HOURS: how long an `Idempotency-Key` is remembered; an older
    key is forgotten (its record deleted) and a request reusing it runs as new."""

    password_hash_profile: str = field(
        default_factory=lambda: _env("CIVICFUTURES_PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    )
    """CIVICFUTURES_PASSWORD_HASH_PROFILE: an `argon2.profiles` name; tests use `CHEAPEST`."""

    log_format: str = field(default_factory=lambda: _env("CIVICFUTURES_LOG_FORMAT", "json").lower())
    """CIVICFUTURES_LOG_FORMAT: `json` (one JSON object a line, for log collectors; the default)
    or `text` (readable lines for a terminal, as in `make demo`)."""

    metrics_token: str = field(default_factory=lambda: _env("CIVICFUTURES_METRICS_TOKEN", ""))
    """CIVICFUTURES_METRICS_TOKEN: when set, `/metrics` answers only requests carrying
    `Authorization: Bearer <token>`; when empty, only clients on this machine (loopback)."""

    metrics_dir: Path = field(
        default_factory=lambda: Path(_env("CIVICFUTURES_METRICS_DIR", "var/metrics")).resolve()
    )
    """CIVICFUTURES_METRICS_DIR: where `civicfutures serve` lets its worker processes share
    their Prometheus samples (emptied at each start), so one scrape of `/metrics` sums them."""

    public_url: str = field(
        default_factory=lambda: _env("CIVICFUTURES_PUBLIC_URL", "").strip().rstrip("/")
    )
    """CIVICFUTURES_PUBLIC_URL: the site's public address (`https://stories.example.org`) for
    absolute links in the archive's feed, sitemap and Open Graph tags; empty: the address the
    request came to."""

    suggestion_min_examples: int = field(
        default_factory=lambda: max(1, int(_env("CIVICFUTURES_SUGGESTION_MIN_EXAMPLES", "5")))
    )
    """CIVICFUTURES_SUGGESTION_MIN_EXAMPLES: stories agreed to carry a theme before the story
    page suggests that theme (fewer examples make suggestions closer to guesses)."""

    briefing_sync_limit: int | None = field(
        default_factory=lambda: (
            int(os.environ["CIVICFUTURES_BRIEFING_SYNC_LIMIT"])
            if os.environ.get("CIVICFUTURES_BRIEFING_SYNC_LIMIT")
            else None
        )
    )
    """CIVICFUTURES_BRIEFING_SYNC_LIMIT: stories in a project's snapshot up to which a briefing
    is built within the request that asks for it; larger ones are queued for a worker
    (unset: 20,000; 0 queues every build)."""

    export_sync_limit: int = field(
        default_factory=lambda: max(0, int(_env("CIVICFUTURES_EXPORT_SYNC_LIMIT", "20000")))
    )
    """CIVICFUTURES_EXPORT_SYNC_LIMIT: consented stories in an export's scope up to which
    `GET /api/v1/exports/{kind}` writes the file within the request; larger exports are
    written by a job into the store and downloaded once it is done (0 queues every export)."""

    export_keep_days: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_EXPORT_KEEP_DAYS", "7"))
    )
    """CIVICFUTURES_EXPORT_KEEP_DAYS: days an export written by a job stays in the store for
    its download; older ones are deleted when another is written."""

    job_attempts: int = field(
        default_factory=lambda: max(1, int(_env("CIVICFUTURES_JOB_ATTEMPTS", "3")))
    )
    """CIVICFUTURES_JOB_ATTEMPTS: how many times a background job runs before it is `failed`
    (a job that raised, or whose worker died, runs again until then)."""

    job_heartbeat_s: float = field(
        default_factory=lambda: float(_env("CIVICFUTURES_JOB_HEARTBEAT", "10"))
    )
    """CIVICFUTURES_JOB_HEARTBEAT: seconds between the heartbeats of a job worker (and of a
    job running in the server on SQLite)."""

    job_stall_s: float = field(default_factory=lambda: float(_env("CIVICFUTURES_JOB_STALL", "30")))
    """CIVICFUTURES_JOB_STALL: seconds without a heartbeat after which a worker counts as dead
    and its running jobs are given to another worker. Keep it a few heartbeats long."""

    job_concurrency: int = field(
        default_factory=lambda: max(1, int(_env("CIVICFUTURES_JOB_CONCURRENCY", "2")))
    )
    """CIVICFUTURES_JOB_CONCURRENCY: jobs one `civicfutures worker` runs at a time."""

    serve_worker: bool = field(default_factory=lambda: _env("CIVICFUTURES_SERVE_WORKER", "") == "1")
    """CIVICFUTURES_SERVE_WORKER: `1` (set by `civicfutures serve --worker`) runs a job worker
    inside the server on PostgreSQL; on SQLite the server always runs its own jobs."""

    debug: bool = field(default_factory=lambda: _env("CIVICFUTURES_DEBUG", "") == "1")
    """CIVICFUTURES_DEBUG: `1` for tracebacks in the server log (never sent to clients)."""

    def resolved_secret(self) -> bytes:
        """The secret as 32 bytes: from the environment, or generated once under var/."""
        import hashlib
        import secrets

        if self.secret_key:
            return hashlib.sha256(self.secret_key.encode()).digest()
        path = Path("var") / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return hashlib.sha256(path.read_text().strip().encode()).digest()

    @property
    def engine(self) -> str:
        """`sqlite` or `postgresql`, from the database URL's scheme."""
        scheme = self.database_url.split(":", 1)[0]
        if scheme == "sqlite":
            return "sqlite"
        if scheme in {"postgresql", "postgres"}:
            return "postgresql"
        raise ValueError(f"CIVICFUTURES_DATABASE_URL has an unsupported scheme: {scheme!r}")

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file for a `sqlite:///` URL (relative paths from the working directory)."""
        return Path(self.database_url.removeprefix("sqlite:///")).resolve()


@cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()

"""The Litestar application, built by `create_app()` with no work done at import."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig

from civicfutures import __version__
from civicfutures.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """Assemble routes, middleware and error handling for the given settings."""
    settings = settings or get_settings()
    import civicfutures.db  # noqa: F401  (names the Piccolo configuration before tables load)
    from civicfutures.admin.pages import AdminPages
    from civicfutures.analysis.pages import ANALYSIS_PAGES
    from civicfutures.analysis.routes import AnalysisController, SnapshotController
    from civicfutures.archive.pages import ARCHIVE_ROUTES
    from civicfutures.auth.api import AdminController
    from civicfutures.briefings.api import BriefingController
    from civicfutures.briefings.pages import BRIEFING_PAGES
    from civicfutures.codebook.api import CodebookController
    from civicfutures.codebook.pages import CODEBOOK_PAGES
    from civicfutures.coding.api import CONTROLLERS as CODING
    from civicfutures.coding.pages import CODING_PAGES
    from civicfutures.curation.api import CONTROLLERS as CURATION
    from civicfutures.curation.pages import CURATION_PAGES
    from civicfutures.db.lifecycle import close_database, open_database
    from civicfutures.exports.api import ExportController
    from civicfutures.exports.pages import EXPORT_PAGES
    from civicfutures.forms.api import FormController
    from civicfutures.i18n.api import missing_labels
    from civicfutures.imports.api import import_routes
    from civicfutures.imports.kept import sweep_at_startup as sweep_kept_imports
    from civicfutures.imports.pages import import_page_routes
    from civicfutures.intake.api import CONTROLLERS as INTAKE
    from civicfutures.intake.pages import INTAKE_PAGES
    from civicfutures.jobs.api import JobController
    from civicfutures.jobs.lifecycle import start_jobs, stop_jobs
    from civicfutures.jobs.pages import JOB_PAGES
    from civicfutures.recordings.api import RecordingController
    from civicfutures.recordings.public import PUBLIC_MEDIA_ROUTES
    from civicfutures.search.pages import SEARCH_PAGES
    from civicfutures.web.apidocs import openapi_config
    from civicfutures.web.auth import TokenAuthentication
    from civicfutures.web.errors import EXCEPTION_HANDLERS
    from civicfutures.web.health import Readiness, health, health_live, health_ready
    from civicfutures.web.language import LANGUAGE_ROUTES
    from civicfutures.web.locale import LocaleMiddleware
    from civicfutures.web.login import LOGIN_ROUTES
    from civicfutures.web.metrics import forget_this_process, metrics
    from civicfutures.web.navigation import NavigationMiddleware, navigation_for_errors
    from civicfutures.web.observability import logging_config, observe
    from civicfutures.web.public import PUBLIC_PATHS, drop_cookies_on_public_answers
    from civicfutures.web.runtime import settle_after_startup
    from civicfutures.web.security import add_security_headers
    from civicfutures.web.templating import static_files, template_config
    from civicfutures.web.tokens import ACCOUNT_ROUTES

    secret = settings.resolved_secret()
    sessions = CookieBackendConfig(
        secret=secret,
        key="civicfutures_session",
        httponly=True,
        samesite="lax",
        secure=settings.https,
        max_age=12 * 3600,
        exclude=["^/api/", "^/health", "^/metrics$", "^/schema", "^/static/", *PUBLIC_PATHS],
    )

    session_middleware = sessions.middleware
    app = Litestar(
        route_handlers=[
            health,
            health_live,
            health_ready,
            metrics,
            *INTAKE,
            *CODING,
            CODING_PAGES,
            CodebookController,
            CODEBOOK_PAGES,
            *CURATION,
            CURATION_PAGES,
            AdminController,
            AdminPages,
            *LOGIN_ROUTES,
            *ACCOUNT_ROUTES,
            FormController,
            missing_labels,
            *LANGUAGE_ROUTES,
            INTAKE_PAGES,
            static_files(),
            ExportController,
            EXPORT_PAGES,
            AnalysisController,
            SnapshotController,
            ANALYSIS_PAGES,
            BriefingController,
            BRIEFING_PAGES,
            JobController,
            JOB_PAGES,
            *import_routes(),
            *import_page_routes(),
            SEARCH_PAGES,
            *ARCHIVE_ROUTES,
            RecordingController,
            *PUBLIC_MEDIA_ROUTES,
        ],
        template_config=template_config(),
        logging_config=logging_config(settings),
        middleware=[
            LocaleMiddleware,
            session_middleware,
            # /metrics has a bearer token of its own (CIVICFUTURES_METRICS_TOKEN), no account's.
            DefineMiddleware(TokenAuthentication, exclude=["^/schema", "^/static/", "^/metrics$"]),
            NavigationMiddleware,
        ],
        csrf_config=CSRFConfig(
            secret=secret.hex(),
            cookie_name="civicfutures_csrf",
            cookie_secure=settings.https,
            cookie_samesite="lax",
            # Static files and public pages carry no form: no CSRF cookie with them.
            exclude=["^/api/", "^/health", "^/metrics$", "^/static/", *PUBLIC_PATHS],
        ),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        after_exception=[navigation_for_errors(session_middleware.kwargs["backend"])],
        before_send=[add_security_headers, drop_cookies_on_public_answers],
        on_startup=[open_database, sweep_kept_imports, start_jobs, settle_after_startup],
        on_shutdown=[stop_jobs, close_database, forget_this_process],
        state=State(
            {
                "readiness": Readiness(
                    _readiness_database(settings), settings.exports_dir, settings.storage_url
                )
            }
        ),
        request_max_body_size=settings.max_request_bytes,
        openapi_config=openapi_config(
            title="civicfutures API",
            version=__version__,
            description="Citizen futures workshop data: stories, codebooks, analysis and briefings.",
        ),
        debug=False,
    )
    return observe(app)


def _readiness_database(settings: Settings):
    """None (the process's shared engine) unless the app was built for another database, as a
    second app in one process may be: its readiness then asks that database."""
    if settings.database_url == get_settings().database_url:
        return None
    from civicfutures.db.engine import make_engine

    return make_engine(settings)

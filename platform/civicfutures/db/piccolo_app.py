"""The Piccolo app: our tables and the top-level migrations folder."""

from piccolo.conf.apps import AppConfig, table_finder

from civicfutures.settings import get_settings

APP_CONFIG = AppConfig(
    app_name="civicfutures",
    migrations_folder_path=str(get_settings().migrations_dir),
    table_classes=table_finder(
        ["civicfutures.db.tables", "civicfutures.jobs.tables"], exclude_imported=True
    ),
    migration_dependencies=[],
    commands=[],
)

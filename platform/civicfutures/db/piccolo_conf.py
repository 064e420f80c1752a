"""Piccolo configuration, built from the settings (`PICCOLO_CONF` points here)."""

from piccolo.conf.apps import AppRegistry

from civicfutures.db.engine import make_engine
from civicfutures.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["civicfutures.db.piccolo_app"])

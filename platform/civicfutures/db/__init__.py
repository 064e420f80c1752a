"""Database: engine selection, tables, migrations.

Piccolo resolves a table's engine when the table class is created, so the configuration
module is named here, before anything imports `tables`.
"""

import os

os.environ.setdefault("PICCOLO_CONF", "civicfutures.db.piccolo_conf")

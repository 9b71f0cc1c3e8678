"""Flask extensions, created here and initialised in the app factory."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from skillsmatch.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    """SQLite enforces foreign keys (and ON DELETE CASCADE) only when asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

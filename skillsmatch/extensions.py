"""Flask extensions, created here and initialised in the app factory."""

from __future__ import annotations

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from skillsmatch.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are set per view; the storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    """SQLite enforces foreign keys (and ON DELETE CASCADE) only when asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

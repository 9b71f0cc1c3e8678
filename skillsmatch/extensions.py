"""Flask extensions, created here and initialised in the app factory."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from skillsmatch.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()

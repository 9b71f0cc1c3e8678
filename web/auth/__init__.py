"""Signing in and out, registration and password changes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from web.auth import views  # noqa: E402,F401

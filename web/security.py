"""Security headers on every response, a CSP nonce per request and a request id for the logs."""

from __future__ import annotations

import re
import secrets
import uuid

from flask import Flask, Response, g, request

# HSTS for a year, sub-domains included (ASVS 3.4.1).
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def csp_nonce() -> str:
    """This request's nonce; every <script> element carries it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def request_id() -> str:
    """An id tying log lines and audit events to one request (a proxy's X-Request-ID if sane)."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return str(g.request_id)


def content_security_policy(nonce: str) -> str:
    """Everything from this origin only, scripts only with the nonce, no framing, no plugins."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["Strict-Transport-Security"] = HSTS
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["X-Request-ID"] = request_id()
    # Pages can hold a person's data or a form token: never store them in any cache.
    # Static files keep Flask's conditional caching.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response

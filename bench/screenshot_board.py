"""Screenshot the skills board's gap heatmap on the loaded data, for the README.

    .venv/bin/python -m bench.screenshot_board [--database FILE] [--out docs/images/gap-heatmap.png]

Works on a copy of the SQLite database (``make run`` loads ``instance/skillsmatch.sqlite3``), so
the original is never changed: builds a snapshot there, serves the site on 127.0.0.1, signs in
as a board account made for the purpose and photographs the heatmap as Chromium draws it.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from skillsmatch import create_app
from skillsmatch.config import PROJECT_ROOT
from skillsmatch.extensions import db
from skillsmatch.models import User
from skillsmatch.passwords import hash_password
from skillsmatch.services.gaps import build_report, save_snapshot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", type=Path, default=PROJECT_ROOT / "instance" / "skillsmatch.sqlite3"
    )
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "docs" / "images" / "gap-heatmap.png"
    )
    parser.add_argument("--width", type=int, default=1100)
    args = parser.parse_args(argv)
    if not args.database.exists():
        parser.error(
            f"no database at {args.database}: run `make run` (or `skillsmatch "
            "load-all`) first, or name one with --database"
        )

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "board.sqlite3"
        shutil.copy(args.database, copy)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}",
                "SECRET_KEY": secrets.token_hex(16),
                "SESSION_COOKIE_SECURE": False,
                "SESSION_COOKIE_NAME": "session",
                "RATELIMIT_ENABLED": False,
            }
        )
        email, password = "board-screenshot@example.invalid", secrets.token_urlsafe(16)
        with app.app_context():
            save_snapshot(db.session, build_report(db.session), "Loaded data")
            db.session.add(
                User(
                    email=email,
                    password_hash=hash_password(password),
                    role="board",
                    display_name="Screenshot",
                )
            )
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": 900})
                page.goto(base + "/sign-in")
                page.get_by_label("Email address").fill(email)
                page.get_by_label("Password", exact=True).fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(base + "/board")
                page.wait_for_selector("#heatmap [data-chart-drawn] svg")
                # The heading, the summary and the chart: the section down to the chart's end.
                section = page.locator("#heatmap").bounding_box()
                chart = page.locator("#heatmap .app-chart").bounding_box()
                assert section and chart
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=args.out,
                    full_page=True,
                    clip={
                        "x": section["x"] - 10,
                        "y": section["y"] - 10,
                        "width": section["width"] + 20,
                        "height": chart["y"] + chart["height"] - section["y"] + 20,
                    },
                )
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()
    sys.stdout.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshot every page of the built documentation site with headless Chromium.

A tool for looking at the site as a reader does (figures shown, tables not overflowing), not a test:

    sphinx-build -b html docs docs/_build/html
    python scripts/docs_screens.py [--site docs/_build/html] [--out docs/_build/screens] [--width 1280]

Writes one PNG per HTML page (api/generated pages only with --all) and prints where they went.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("docs_screens: no chromium on PATH (apt package `chromium`)")


def pages(site, everything):
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0].startswith("_") or rel.name in skip:
            continue
        if rel.parts[:2] == ("api", "generated") and not everything:
            continue
        yield page


def screenshot(browser, page, png, width, height):
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={png}",
               f"--window-size={width},{height}", page.as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--site", type=Path, default=ROOT / "docs" / "_build" / "html")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "_build" / "screens")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=1600)
    p.add_argument("--all", action="store_true", help="also the generated API pages")
    p.add_argument("--only", default="", help="comma-separated substrings of page paths to keep")
    args = p.parse_args(argv)
    if not (args.site / "index.html").exists():
        sys.exit(f"docs_screens: no site at {args.site}; build it first: sphinx-build -b html docs {args.site}")
    args.out.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    keep = [s for s in args.only.split(",") if s]
    for page in pages(args.site, args.all):
        rel = page.relative_to(args.site)
        if keep and not any(k in str(rel) for k in keep):
            continue
        png = args.out / (str(rel.with_suffix("")).replace("/", "__") + ".png")
        screenshot(browser, page, png, args.width, args.height)
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())

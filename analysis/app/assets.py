"""The page's browser assets: the Vue/Vuetify app, RequireJS and Font Awesome that Solara's
page loads, cached where Solara's server serves them from.

Solara's server fetches these from a CDN on first use and keeps a copy in
``solara.server.settings.assets.proxy_cache_dir`` (inside the environment). A machine that
reaches package registries but not that CDN (this project's machines and CI) needs the copy in
place beforehand: this module fills it from the npm registry with npm (``npm pack``), for the
very packages and versions the installed Solara asks for. ``scripts/setup.sh`` runs it:

    python -m analysis.app.assets          # fetch what is missing (needs npm)
    python -m analysis.app.assets --check  # exit 1 if anything is missing
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

NPM_TIMEOUT_S = 300
# "{{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/..." -> ("@widgetti/solara-vuetify3-app", "5.2.0")
_PACKAGE = re.compile(r"/((?:@[\w.-]+/)?[\w.-]+?)@(\d[\w.-]*)/")
# The two page templates: Vue 3 (ipyvue 3) or Vue 2.
_VUE_APPS = {"3": "@widgetti/solara-vuetify3-app", "2": "@widgetti/solara-vuetify-app"}


def _template() -> str:
    import solara.server

    return (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text(
        encoding="utf-8"
    )


def required() -> list[tuple[str, str]]:
    """(npm package, version) of every asset the installed Solara's page loads."""
    from solara.server import settings

    text = _template() + "\n{{cdn}}" + settings.assets.fontawesome_path
    vue = "3" if version("ipyvue").startswith("3") else "2"
    unused = {app for major, app in _VUE_APPS.items() if major != vue}
    found = dict.fromkeys((name, ver) for name, ver in _PACKAGE.findall(text) if name not in unused)
    return list(found)


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing() -> list[tuple[str, str]]:
    root = cache_dir()
    return [(n, v) for n, v in required() if not (root / f"{n}@{v}" / "package.json").exists()]


def fetch(packages: list[tuple[str, str]], npm: str = "npm") -> None:
    """``npm pack`` each package and unpack it into the cache, as ``name@version/``."""
    root = cache_dir()
    for name, ver in packages:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [npm, "pack", f"{name}@{ver}", "--pack-destination", tmp, "--silent"],
                check=True,
                capture_output=True,
                timeout=NPM_TIMEOUT_S,
            )
            (tarball,) = Path(tmp).glob("*.tgz")
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            target = root / f"{name}@{ver}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(unpacked / "package", target)  # npm packs everything under package/


def ensure(quiet: bool = False) -> list[str]:
    """Fetch whatever is missing; returns problems (empty when every asset is in place)."""
    todo = missing()
    if not todo:
        return []
    npm = shutil.which("npm")
    names = ", ".join(f"{n}@{v}" for n, v in todo)
    if npm is None:
        return [f"the dashboard's browser assets are not cached ({names}) and npm is missing"]
    if not quiet:
        print(f"fetching the dashboard's browser assets from the npm registry: {names}")
    try:
        fetch(todo, npm)
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return [f"npm pack failed: {exc} {detail.decode(errors='replace').strip()}".strip()]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.app.assets", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args(argv)
    if args.check:
        todo = missing()
        for name, ver in todo:
            print(f"missing: {name}@{ver}")
        return 1 if todo else 0
    problems = ensure()
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if not problems:
        print(f"dashboard assets in {cache_dir()}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

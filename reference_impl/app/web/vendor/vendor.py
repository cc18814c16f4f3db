"""Reproduce the vendored front-end files from the npm registry.

    python reference_impl/app/web/vendor/vendor.py          # rewrite the vendored files
    python reference_impl/app/web/vendor/vendor.py --check  # exit 1 when they differ

`npm ci` installs exactly what package-lock.json pins (integrity hashes included) into a
temporary directory, without running package scripts; the files listed in FILES are then
copied next to this script and committed. The page never loads anything from a CDN, and
installing the Python package downloads nothing: these copies are what it serves.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NPM_TIMEOUT_S = 600
# (file inside node_modules, where it goes here). css/ is served to the page at /vendor/;
# test/ is only for the browser test (axe-core), never served.
FILES = (
    ("@rijkshuisstijl-community/design-tokens/dist/index.css", "css/rhc-design-tokens.css"),
    ("@rijkshuisstijl-community/components-css/dist/index.css", "css/rhc-components.css"),
    ("@rijkshuisstijl-community/components-css/LICENSE.md", "css/LICENSE-EUPL-1.2.md"),
    ("axe-core/axe.min.js", "test/axe.min.js"),
    ("axe-core/LICENSE", "test/LICENSE-axe-core-MPL-2.0.txt"),
)


def install(into: Path) -> Path:
    """`npm ci` of package.json + package-lock.json into `into`; returns node_modules."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(HERE / name, into / name)
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("vendor.py: npm niet gevonden; installeer Node.js met npm")
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    subprocess.run(command, cwd=into, check=True,  # noqa: S603  (fixed arguments)
                   timeout=NPM_TIMEOUT_S, stdout=subprocess.DEVNULL)
    return into / "node_modules"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    with tempfile.TemporaryDirectory() as temporary:
        modules = install(Path(temporary))
        differing = []
        for source, target in FILES:
            body = (modules / source).read_bytes()
            destination = HERE / target
            if check:
                if not destination.is_file() or destination.read_bytes() != body:
                    differing.append(target)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(body)
    if differing:
        print("verschilt van package-lock.json: " + ", ".join(differing), file=sys.stderr)
        return 1
    print("gecontroleerd" if check else "bijgewerkt", ", ".join(t for _s, t in FILES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""examples/handshake.md: its `curl`/`openssl` walk-through, run as written (only the three
values at its top changed), opens a session at a reference source, fetches the signed
claims document and ends the session."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from example_support import EXAMPLES, bind_loopback

from reference_impl.demo.data import DEMO_DATA

OIN = "00000001001234567000"  # Gemeente Voorbeeldstad of the demo data
BSN = "999993653"
STARTUP_S = 30.0
BIN = Path(sys.executable).parent
BRON_YAML = f"""\
oin: "{OIN}"
naam: Gemeente Voorbeeldstad
soort: gemeente
diensten: [vorderingenoverzicht]
contact: {{telefoon: "14 0999"}}
database_url: sqlite+aiosqlite:///var/bron.db
key_file: var/keys/bron.pem
scheme: .vorderingen-conformance/stelseldocument.jwt
scheme_key_file: .vorderingen-conformance/stelsel-sleutels.jwks
omgeving: test
seed_file: {DEMO_DATA}
host: 127.0.0.1
port: {{port}}
"""


def _script(api: str) -> str:
    text = (EXAMPLES / "handshake.md").read_text(encoding="utf-8")
    body = "\n".join(re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S))
    body = re.sub(r"^API=\S+", f"API={api}", body, flags=re.M)
    body = re.sub(r"^OIN=\S+", f"OIN={OIN}", body, flags=re.M)
    body = re.sub(r"^BSN=\S+", f"BSN={BSN}", body, flags=re.M)
    return "set -euo pipefail\n" + body


@pytest.mark.live
@pytest.mark.skipif(not all(shutil.which(t) for t in ("curl", "openssl", "jq", "xxd")),
                    reason="needs curl, openssl, jq and xxd")
def test_the_walk_through_opens_a_session_and_fetches_the_document(tmp_path: Path) -> None:
    sock = bind_loopback()
    port = sock.getsockname()[1]
    sock.close()
    api = f"http://127.0.0.1:{port}/vorderingen/v2"
    (tmp_path / "bron.yaml").write_text(BRON_YAML.replace("{port}", str(port)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VORDERINGEN_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for command in (["vorderingen", "bron", "sleutel", "--uit", "var/keys"],
                    ["vorderingen-conformance", "sleutels", "--oin", OIN, "--api-url", api,
                     "--bron-sleutel", "var/keys/bron.jwk.json"]):
        subprocess.run([str(BIN / command[0]), *command[1:]], cwd=tmp_path, env=env,
                       check=True, capture_output=True)
    log = (tmp_path / "bron.log").open("wb")
    source = subprocess.Popen([str(BIN / "vorderingen"), "bron", "serve", "--config",
                               "bron.yaml"], cwd=tmp_path, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_S
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{api}/configuratie"],
                             check=False).returncode != 0:
            assert time.monotonic() < deadline and source.poll() is None, \
                (tmp_path / "bron.log").read_text()
            time.sleep(0.3)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-c", _script(api)],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=60, check=False)
    finally:
        source.terminate()
        source.wait(timeout=10)
        log.close()
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    assert "session opened: " in done.stdout
    envelope = json.loads(done.stdout[done.stdout.index('{\n  "document"'):
                                      done.stdout.rindex("}") + 1])
    assert envelope["document"]["bron"]["oin"] == OIN
    assert envelope["document"]["financiele_zaken"]
    assert envelope["handtekening"].count(".") == 2
    assert done.stdout.rstrip().endswith("204")  # the session ended

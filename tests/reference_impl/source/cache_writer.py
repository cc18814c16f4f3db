"""A second process writing into a source's database, for test_overview_cache.py.

    python cache_writer.py CONFIG.json

Opens the source configured by CONFIG.json (a config mapping) on its database — the same
start-up path, domain code and tables as the serving process — and runs one command per
input line, answering one JSON line each: `accept BSN NOW ZAAKKENMERK`, `withdraw BSN NOW ID`,
`pause BSN NOW ZAAKKENMERK EINDDATUM`, `end-pause BSN NOW ID`, `backend BSN NOW` (the claims
backend's data changes: every case gets a new description), `reserve BSN NOW ZAAKKENMERK`
(a reservation, then its confirmation), `import-first BSN NOW ZAAKKENMERK` and
`import-delete BSN NOW ZAAKKENMERK` (an organisation's import job changing table `zaken`
in plain SQL, not through the source: the case moves to the front, or is gone), `quit`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from reference_impl.source.app import Source  # noqa: E402
from reference_impl.source.config import config_from_mapping  # noqa: E402


class _NoScheme:
    """Writing domain records verifies no certificate: no scheme document needed."""


async def command(source: Source, words: list[str]) -> dict[str, Any]:
    action, bsn, now = words[0], words[1], int(words[2])
    if action == "accept":
        quote = await source.arrangements.quote(
            bsn, {"zaakkenmerken": [words[3]], "aantal_termijnen": 2}, now)
        created, _ = await source.arrangements.accept(
            bsn, quote["voorstel_id"], {"voorstel_id": quote["voorstel_id"]}, now)
        return created
    if action == "withdraw":
        await source.arrangements.withdraw(bsn, words[3], now)
        return {}
    if action == "pause":
        return await source.pauses.create(
            bsn, {"zaakkenmerken": [words[3]], "einddatum": words[4]}, now)
    if action == "end-pause":
        await source.pauses.end(bsn, words[3], now)
        return {}
    if action == "backend":
        cases = await source.backend.cases_for(bsn)
        await source.backend.store(bsn, [
            dataclasses.replace(c, omschrijving=f"{c.omschrijving} (bijgewerkt)") for c in cases])
        return {}
    if action == "reserve":
        quote = await source.arrangements.quote(
            bsn, {"zaakkenmerken": [words[3]], "aantal_termijnen": 2}, now)
        reservation, _ = await source.reservations.reserve(bsn, str(uuid.uuid4()), {
            "voorstel_id": quote["voorstel_id"], "groep_id": str(uuid.uuid4()),
            "groep_omvang": 1}, now)
        created, _ = await source.reservations.confirm(bsn, reservation["id"], now)
        return created
    if action in IMPORTS:
        async with source.database.engine.begin() as connection:
            await connection.execute(sa.text(IMPORTS[action]), {"bsn": bsn, "zaak": words[3]})
        return {}
    raise SystemExit(f"unknown command {action}")


# Plain SQL as an organisation's own import job would run it, beside the source.
IMPORTS = {
    "import-first": "UPDATE zaken SET volgorde = -1 WHERE bsn = :bsn AND zaakkenmerk = :zaak",
    "import-delete": "DELETE FROM zaken WHERE bsn = :bsn AND zaakkenmerk = :zaak",
}


async def main(config_file: str) -> None:
    config = config_from_mapping(json.loads(Path(config_file).read_text()))
    source = Source(config, scheme_source=_NoScheme())  # type: ignore[arg-type]
    await source.start()
    try:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            print(json.dumps(await command(source, words)), flush=True)
    finally:
        await source.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

"""The demo data (`data.yaml` beside this module): organisations and test citizens.

`load_demo(path=None, today=None)` returns a `DemoData` with `.organisations` (each with
`key`, `oin`, `naam`, `soort`, `diensten` and `config_mapping(**extra)` for a source's
configuration) and `.citizens` (each with `bsn`, `naam`, `omschrijving`, `cases` and
`arrangements` per OIN). Relative dates in the file are resolved against `today`
(default: today in Europe/Amsterdam). The format is reference_impl.source.seed's.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from reference_impl.source.clock import local_date
from reference_impl.source.seed import SeedCitizen, SeedData, SeedOrganisation, load_seed

DEMO_DATA = Path(__file__).resolve().parent / "data.yaml"
# The test facilities of spec/testomgeving.md every demo source offers outside production: the
# test clock, and trust lifetimes short enough that the suite sees a nonce (5 s) and a session
# (20 s) expire without waiting fifteen minutes — long enough for any one check's requests.
TEST_OMGEVINGEN = ("test", "ontwikkeling")
TEST_FACILITIES = {"klok": True, "nonce_geldigheid_s": 5, "sessie_geldigheid_s": 20}

DemoData = SeedData
DemoOrganisation = SeedOrganisation
DemoCitizen = SeedCitizen

__all__ = ["DEMO_DATA", "DemoCitizen", "DemoData", "DemoOrganisation", "load_demo"]


def load_demo(path: str | Path | None = None, today: date | None = None) -> DemoData:
    """The demo organisations and citizens, dated relative to `today`."""
    return load_seed(path or DEMO_DATA, today or local_date(time.time()))

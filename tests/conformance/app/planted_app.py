"""The reference app with one planted mistake, for the tests of profile `app`.

    python planted_app.py MISTAKE     # then runs `vorderingen app overzicht --json`

Each mistake switches off one thing a real app builder could forget, at the place it would be
forgotten, by replacing one function of the reference app before its CLI runs:

- `geen`: no mistake (the reference app as it is);
- `bsn-niet-gecontroleerd`: the envelope's document is not compared with the certificate's BSN;
- `handtekening-niet-gecontroleerd`: envelopes are taken without verifying them;
- `documentregels-niet-gecontroleerd`: the signature is verified, the document rules are not;
- `volgnummer-in-geheugen`: the highest scheme volgnummer is kept in memory only;
- `na-elkaar`: the sources are asked one after another instead of concurrently.
"""

from __future__ import annotations

import sys
from typing import Any


def _bsn_unchecked() -> None:
    from reference_impl.app import overview

    original = overview.verify_answer

    def verify_answer(envelope: Any, scheme: Any, oin: str, bsn: str, major: int = 2) -> Any:
        return original(envelope, scheme, oin, envelope["document"]["bsn"], major)

    overview.verify_answer = verify_answer


def _signature_unchecked() -> None:
    from reference_impl.app import overview

    overview.verify_envelope = lambda *_args, **_kwargs: None


def _document_rules_unchecked() -> None:
    from reference_impl.common import envelope

    envelope.claims_document.problems = lambda *_args, **_kwargs: []


def _volgnummer_in_memory() -> None:
    from reference_impl.app import citizen

    original = citizen.SchemeTrust
    citizen.SchemeTrust = lambda anchor, client, state_dir=None: original(anchor, client)


def _one_after_another() -> None:
    from reference_impl.app import overview

    original = overview.fan_out

    async def fan_out(clients: Any, work: Any, **kwargs: Any) -> list[Any]:
        outcomes = []
        for client in clients:
            outcomes += await original([client], work, **kwargs)
        return outcomes

    overview.fan_out = fan_out


MISTAKES = {
    "geen": lambda: None,
    "bsn-niet-gecontroleerd": _bsn_unchecked,
    "handtekening-niet-gecontroleerd": _signature_unchecked,
    "documentregels-niet-gecontroleerd": _document_rules_unchecked,
    "volgnummer-in-geheugen": _volgnummer_in_memory,
    "na-elkaar": _one_after_another,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in MISTAKES:
        sys.exit(f"usage: planted_app.py {{{'|'.join(MISTAKES)}}}")
    MISTAKES[sys.argv[1]]()
    from reference_impl.cli import main

    sys.exit(main(["app", "overzicht", "--json"]))

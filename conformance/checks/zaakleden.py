"""The invariants of the claims document's 2.2 members (spec/rules/document.md): the ledger
(counter-entries, moved payments, offsetting, garnishment, creditor per line) and the case
(arrangeable amount, the arrangement's lifecycle, remedies, debt schemes, pause possibility,
what `acties` mean).

Each is its own check on the envelopes `checks.document` fetched once per run: they add no
request, so the basis profile keeps its time. Every rule here is `since: 2.2.0`: an endpoint
announcing an earlier minor is not judged by them (the runner skips them as not applicable).
"""

from __future__ import annotations

from conformance.checks.base import check
from conformance.checks.document import AREA, NEEDS, invariant_holds
from conformance.context import CheckContext


@check(rule="/document/tegenboeking", area=AREA, needs=NEEDS)
async def counter_entries_reverse_a_settlement(ctx: CheckContext) -> None:
    """A counter-entry (``tegenboeking_van`` with ``tegenboeking_soort``, never with
    ``correctie_van``, ``categorie: hoofdsom``) reverses a payment or remission of its case
    dated no later, and the counter-entries of one settlement add up to at most its amount."""
    await invariant_holds(ctx, "/document/tegenboeking")


@check(rule="/document/herboeking", area=AREA, needs=NEEDS)
async def moved_payments_leave_their_case(ctx: CheckContext) -> None:
    """A payment with ``betaalwijze: herboeking`` (and only such a payment) has
    ``herboekt_van`` naming a payment of another case of the document, which has a
    counter-entry ``verkeerd_geboekt`` of that payment for exactly the moved amount."""
    await invariant_holds(ctx, "/document/herboeking")


@check(rule="/document/verrekening", area=AREA, needs=NEEDS)
async def offsets_say_against_what(ctx: CheckContext) -> None:
    """``verrekend_met`` is present exactly on payments with ``betaalwijze: verrekening``."""
    await invariant_holds(ctx, "/document/verrekening")


@check(rule="/document/beslag", area=AREA, needs=NEEDS)
async def garnished_payments_have_a_garnishment(ctx: CheckContext) -> None:
    """A payment with ``betaalwijze: beslag`` is in a case that has ``beslag``."""
    await invariant_holds(ctx, "/document/beslag")


@check(rule="/document/schuldeiser-per-regel", area=AREA, needs=NEEDS)
async def creditors_named_per_line(ctx: CheckContext) -> None:
    """When one imposed line of a case names its ``schuldeiser`` every line does; a correction
    and a remission carry the creditor of the line they concern."""
    await invariant_holds(ctx, "/document/schuldeiser-per-regel")


@check(rule="/document/regelbaar-bedrag-begrensd", area=AREA, needs=NEEDS)
async def arrangeable_amount_bounded(ctx: CheckContext) -> None:
    """0 ≤ ``regelbaar_bedrag`` ≤ max(``saldo``, 0)."""
    await invariant_holds(ctx, "/document/regelbaar-bedrag-begrensd")


@check(rule="/document/regeling-levenscyclus", area=AREA, needs=NEEDS)
async def arrangement_lifecycle_consistent(ctx: CheckContext) -> None:
    """A case's ``betalingsregeling`` is consistent: ``beeindigd`` exactly with
    ``beeindiging``, ``gemiste_termijnen`` counts the missed instalments, each instalment's
    ``betaald`` lies within its amount and matches its status, ``vervangen_door`` only on an
    arrangement ended as ``gewijzigd``."""
    await invariant_holds(ctx, "/document/regeling-levenscyclus")


@check(rule="/document/regeling-en-zaakstatus", area=AREA, needs=NEEDS)
async def arrangement_matches_case_status(ctx: CheckContext) -> None:
    """A case ``in_regeling`` has an ``actief`` arrangement (when its status is given), and an
    ``actief`` arrangement's case is ``in_regeling`` or ``gepauzeerd``."""
    await invariant_holds(ctx, "/document/regeling-en-zaakstatus")


@check(rule="/document/rechtsmiddel-status", area=AREA, needs=NEEDS)
async def remedy_means_in_bezwaar(ctx: CheckContext) -> None:
    """A case with ``rechtsmiddel`` has ``status: in_bezwaar`` (every stage, in major 2)."""
    await invariant_holds(ctx, "/document/rechtsmiddel-status")


@check(rule="/document/schuldregeling-bevroren", area=AREA, needs=NEEDS)
async def debt_scheme_freezes_case(ctx: CheckContext) -> None:
    """A case in a debt scheme offers no action but ``bezwaar`` and ``hulp``, and cannot be
    paused."""
    await invariant_holds(ctx, "/document/schuldregeling-bevroren")


@check(rule="/document/pauze-mogelijkheid", area=AREA, needs=NEEDS)
async def pause_possibility_explained(ctx: CheckContext) -> None:
    """``pauze_mogelijkheid`` has a ``reden`` exactly when ``mogelijk`` is false, and a case
    offering ``pauze`` in ``acties`` is not marked impossible to pause."""
    await invariant_holds(ctx, "/document/pauze-mogelijkheid")


@check(rule="/document/acties-betekenis", area=AREA, needs=NEEDS)
async def actions_offered_only_when_accepted(ctx: CheckContext) -> None:
    """``acties`` lists only what the source accepts now: ``bezwaar`` only with
    ``bezwaar.mogelijk``, ``betalen`` only with a positive saldo, ``betalingsregeling`` only
    with something arrangeable."""
    await invariant_holds(ctx, "/document/acties-betekenis")


CHECKS = (
    counter_entries_reverse_a_settlement,
    moved_payments_leave_their_case,
    offsets_say_against_what,
    garnished_payments_have_a_garnishment,
    creditors_named_per_line,
    arrangeable_amount_bounded,
    arrangement_lifecycle_consistent,
    arrangement_matches_case_status,
    remedy_means_in_bezwaar,
    debt_scheme_freezes_case,
    pause_possibility_explained,
    actions_offered_only_when_accepted,
)
PROFILE_CHECKS = {"basis": CHECKS}

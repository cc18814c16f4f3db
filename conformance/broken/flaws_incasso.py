"""Flaws of collection as it really is (standard 2.2): the ledger and case members of the
claims document, calculation rule 2.2, the two-phase agreement, the arrangement's lifecycle,
amendment and bounded pauses.

Each name is consulted with ``source.flaws.on(name)`` where an implementer would have made the
mistake (`records.py`, `documents.py`, `rekenregel.py`, `reservations.py`, `arrangements.py`,
`source.py`, `pause_limits.py`, `pauses.py`).
"""

from __future__ import annotations

from conformance.broken.flaw import Flaw

INCASSO_FLAWS: tuple[Flaw, ...] = (
    # --- the claims document's 2.2 members -----------------------------------------------------
    Flaw("storno-als-kosten", "/document/tegenboeking",
         "a reversed settlement (storno, refund, moved payment) is booked with categorie kosten"),
    Flaw("herboeking-zonder-tegenboeking", "/document/herboeking",
         "a payment moved to another case is not reversed in the case it left (counted twice)"),
    Flaw("verrekening-zonder-omschrijving", "/document/verrekening",
         "a payment by offsetting does not say what it was offset against (verrekend_met)"),
    Flaw("beslag-niet-vermeld", "/document/beslag",
         "payments by garnishment are shown, the garnishment itself is not (beslag missing)"),
    Flaw("kwijtschelding-zonder-schuldeiser", "/document/schuldeiser-per-regel",
         "the remission of one line of a combined assessment does not name that line's creditor"),
    Flaw("regelbaar-uit-verplicht", "/document/regelbaar-bedrag-begrensd",
         "regelbaar_bedrag is taken from what was imposed, forgetting what was paid"),
    Flaw("gemiste-termijnen-niet-geteld", "/document/regeling-levenscyclus",
         "gemiste_termijnen stays at the 0 of the day the arrangement was agreed"),
    Flaw("regeling-blijft-actief", "/document/regeling-en-zaakstatus",
         "the document shows an ended arrangement with the status it had when agreed (actief)"),
    Flaw("beroep-zonder-bezwaarstatus", "/document/rechtsmiddel-status",
         "a case in beroep shows status open: only the bezwaar stage maps to in_bezwaar"),
    Flaw("schuldregeling-met-acties", "/document/schuldregeling-bevroren",
         "a case frozen in a debt scheme still offers betalen"),
    Flaw("pauze-onmogelijk-zonder-reden", "/document/pauze-mogelijkheid",
         "pauze_mogelijkheid says mogelijk false without a reden"),
    Flaw("betalen-bij-afgelost", "/document/acties-betekenis",
         "acties offers betalen on a settled case (anything ever imposed taken for owing)"),
    # --- calculation rule 2.2 ------------------------------------------------------------------
    Flaw("aanlooptijd-genegeerd", "/betalingsregeling/rekenregel-2-2",
         "the first instalment falls on the next due day, ignoring minimale_aanlooptijd_dagen"),
    Flaw("rente-niet-gepubliceerd", "/configuratie/limieten-2-2",
         "quotes under rule 2.2 charge interest that /configuratie does not publish"),
    Flaw("niets-regelbaar-zonder-detail", "/betalingsregeling/rekenregel-2-2",
         "a case with nothing arrangeable is refused as zaak-afgelost without detail"),
    Flaw("rente-over-hoofdsom", "/betalingsregeling/rente",
         "interest is charged on the whole arranged amount every month, not on what is left"),
    # --- the two-phase agreement ---------------------------------------------------------------
    Flaw("reservering-houdt-zaken-niet-vast", "/betalingsregeling/reservering",
         "a reservation holds nothing: its cases can be quoted and accepted elsewhere"),
    Flaw("reserveringen-niet-aangekondigd", "/betalingsregeling/reservering",
         "reservations are served although /configuratie announces no reservering_geldigheid_s"),
    Flaw("sleutels-per-operatie", "/betalingsregeling/reservering",
         "a reservation's Idempotency-Key lives apart from acceptances': one key makes both"),
    Flaw("reservering-vervalt-niet", "/betalingsregeling/reservering-vervalt",
         "an unconfirmed reservation never lapses: it can be confirmed after vervalt_op"),
    Flaw("geannuleerde-reservering-bevestigd", "/betalingsregeling/bevestiging",
         "a cancelled reservation can still be confirmed (cancelling only sets a flag)"),
    Flaw("bevestiging-niet-herhaalbaar", "/betalingsregeling/bevestiging",
         "confirming a confirmed reservation again answers 409 instead of the same arrangement"),
    Flaw("annuleren-na-bevestiging", "/betalingsregeling/reservering-annuleren",
         "DELETE of a confirmed reservation answers 204 and leaves its arrangement active"),
    Flaw("groep-zonder-annuleerbaar-tot", "/betalingsregeling/groep-intrekbaar",
         "a group arrangement's annuleerbaar_tot is its bevestigd_op: no time to undo the group"),
    # --- the arrangement's life ----------------------------------------------------------------
    Flaw("oude-regeling-blijft-actief", "/betalingsregeling/wijziging",
         "accepting an amendment leaves the arrangement it replaces active"),
    Flaw("respijt-genegeerd", "/betalingsregeling/termijnstatus",
         "an instalment counts as missed the day after it falls due, ignoring respijt_dagen"),
    Flaw("regeling-vervalt-niet", "/betalingsregeling/vervallen",
         "an arrangement stays active however many instalments are missed"),
    Flaw("pauze-telt-termijn-als-gemist", "/betalingsregeling/pauze-en-termijnen",
         "an instalment falling due during a pause counts as missed"),
    # --- bounded pauses ------------------------------------------------------------------------
    Flaw("pauze-aantal-onbegrensd", "/pauze/aantal-en-wachttijd",
         "maximum_aantal is announced but never counted: pauses can be chained"),
    Flaw("wachttijd-vanaf-begin", "/pauze/aantal-en-wachttijd",
         "the waiting time runs from the start of the previous pause, not from its end"),
    Flaw("pauze-in-schuldregeling", "/pauze/per-zaak",
         "a case that cannot be paused (a debt scheme) is paused when named"),
    Flaw("alles-pauzeren-negeert-acties", "/pauze/alles-volgt-acties",
         "pausing everything also pauses cases whose acties lack pauze"),
)

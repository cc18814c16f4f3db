"""Flaws of the domain operations that the sharper domain checks catch (standard 2.1.0):
concurrent overlapping quotes, surcharges during a pause, citizens' data kept apart.

Each name is consulted with ``source.flaws.on(name)`` where an implementer would have made the
mistake.
"""

from __future__ import annotations

from conformance.broken.flaw import Flaw

DOMEIN_FLAWS: tuple[Flaw, ...] = (
    Flaw("planning-negeert-pauze", "/pauze/geen-verhogingen",
         "the dunning run imposes a planned surcharge that falls due while the case is paused"),
    Flaw("pauze-stelt-alleen-uit", "/pauze/geen-verhogingen",
         "a surcharge that fell due during a pause is imposed once the pause is over"),
    Flaw("pauze-einddatum-exclusief", "/pauze/status-in-document",
         "a pause stops holding on its einddatum instead of after it"),
    Flaw("voorstel-verloopt-te-vroeg", "/betalingsregeling/voorstel-verloopt",
         "a quote is refused as expired before the verloopt_op it announced"),
    Flaw("vergrendeling-per-voorstel", "/betalingsregeling/gelijktijdig",
         "acceptance locks the quote, not its cases: two quotes of one case both succeed"),
    Flaw("andermans-zaak-in-voorstel", "/sessie/andermans-resource-404",
         "a quote looks a case up by its number alone: another citizen's case is quoted"),
    Flaw("andermans-zaak-gepauzeerd", "/sessie/andermans-resource-404",
         "a pause looks a case up by its number alone: another citizen's case is paused"),
    Flaw("zonder-zaken-alleen-bekende-bsns", "/envelop/ook-zonder-vorderingen",
         "a citizen without claims gets 404, except the fixed probe BSNs of the 2.0 suite"),
    Flaw("bedenktijd-onbegrensd", "/betalingsregeling/intrekken-bedenktijd",
         "an arrangement can be withdrawn at any time, also after its bedenktijd_tot"),
    Flaw("testklok-voor-iedereen", "/testomgeving/klok-per-burger",
         "the test clock is one shift for the whole source: moving it moves every citizen"),
    Flaw("testklok-niet-in-document", "/testomgeving/klok-verschuift-domeintijd",
         "the document's opgesteld_op stays real time while the test clock is moved"),
)

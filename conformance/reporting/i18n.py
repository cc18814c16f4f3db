"""The words of the reports for people, in Dutch (`nl`) and English (`en`).

report.json, junit.xml and badge.json stay language-neutral (machine formats); report.html,
samenvatting.html and the console summary use these texts. The statements of the rules are
quoted as the standard writes them (English)."""

from __future__ import annotations

import html
import re

from conformance.model import Verdict

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_VERDICTS = {
    "nl": {"conformant": "voldoet aan de standaard", "not_conformant": "voldoet niet",
           "error": "kon niet worden getest", "incomplete": "onvolledig getest",
           "conformant_with_waivers": "voldoet, met ontheffingen"},
    "en": {"conformant": "conformant", "not_conformant": "not conformant",
           "error": "could not be tested", "incomplete": "incomplete",
           "conformant_with_waivers": "conformant with waivers"},
}
_OUTCOMES = {
    "nl": {"passed": "geslaagd", "failed": "gefaald", "skipped": "overgeslagen",
           "error": "fout in de test", "warning": "waarschuwing",
           "expected-failure": "bekende fout", "not-tested": "niet getest",
           "not-applicable": "niet van toepassing", "not-run": "niet uitgevoerd"},
    "en": {"passed": "passed", "failed": "failed", "skipped": "skipped", "error": "error",
           "warning": "warning", "expected-failure": "expected failure",
           "not-tested": "not tested", "not-applicable": "not applicable", "not-run": "not run"},
}
_TEXTS = {
    "nl": {
        "title": "Conformiteitsrapport Vorderingen API",
        "summary_title": "Samenvatting voor management en audit",
        "could_not_run": "Kon niet draaien",
        "target": "Eindpunt", "oin": "OIN", "profiles": "Profielen",
        "spec_version": "Versie van de standaard", "suite_version": "Versie van de testsuite",
        "versions": "Gebruikte versies", "seed": "Seed / voorbeelden per operatie",
        "period": "Begonnen / klaar", "results": "Resultaten",
        "counts": "{passed} geslaagd, {failed} gefaald ({warnings} SHOULD-waarschuwingen, "
                  "{expected_failures} bekend), {skipped} overgeslagen, {error} fouten",
        "note": "Alleen een gefaalde MUST-controle maakt een eindpunt niet-conform. Een gefaalde "
                "SHOULD-controle is een waarschuwing. Een fout betekent dat de testsuite of het "
                "netwerk haperde; die telt nooit als non-conformiteit, maar laat de regel "
                "ongetest. \"Voldoet\" betekent: elke verplichte controle draaide en slaagde; "
                "een niet geteste verplichte controle maakt de run onvolledig. Dit rapport is een "
                "zelftest: alleen een ondertekend resultaat van de stelselbeheerder is een "
                "certificering.",
        "checks": "Controles", "outcome": "Uitkomst", "check": "Controle", "rule": "Regel",
        "severity": "Gewicht", "message": "Bevinding", "evidence": "Bewijs",
        "replay": "Opnieuw uitvoeren (zet eerst de variabelen {variables}):",
        "replay_plain": "Opnieuw uitvoeren:",
        "request": "Verzoek", "response": "Antwoord",
        "comparison": "Vergeleken met de vorige run ({when}, {verdict})",
        "newly_failing": "Nieuw gefaald", "fixed": "Opgelost", "new_checks": "Nieuwe controles",
        "gone_checks": "Vervallen controles", "nothing_changed": "Geen verschil in uitkomsten.",
        "what_it_means": "Wat betekent dit?",
        "meaning_conformant": "Het geteste eindpunt voldoet aan alle verplichte (MUST) regels "
                              "van de standaard die de testsuite kon controleren.",
        "meaning_not_conformant": "Het geteste eindpunt overtreedt {n} verplichte regel(s). "
                                  "Het mag zo niet in productie; de leverancier moet de "
                                  "hieronder genoemde regels herstellen.",
        "meaning_error": "De test kon niet (volledig) draaien. Dit zegt niets over het "
                         "eindpunt; los eerst de genoemde oorzaak op.",
        "meaning_incomplete": "Niet alle verplichte controles konden draaien (ontbrekende "
                              "testgegevens, instellingen of tijd). Dit is geen groen licht.",
        "broken_rules": "Overtreden regels", "warnings": "Waarschuwingen (SHOULD)",
        "full_report": "Volledig technisch rapport", "har": "Alle verzoeken (HAR-bestand)",
        "reproduce": "Reproduceren: dezelfde versies (zie report.json, `versions`) en seed.",
        "none": "geen",
        "actor": "Getest onderdeel", "actor_bron": "bron (vorderingen-API)",
        "actor_app-manager": "App Manager", "actor_stelsel": "stelseldienst",
        "actor_app": "burger-app",
        "skips": "overgeslagen: {not_tested} niet getest (ontbrekende testgegevens, instellingen "
                 "of tijd), {not_applicable} niet van toepassing, {not_run} niet uitgevoerd; "
                 "{waived} MUST-regels met ontheffing",
        "selection": "Alleen deze controles (--check)",
        "interrupted": "Onderbroken",
        "interrupted_text": "De run is afgebroken (Ctrl-C); de controles erna zijn niet "
                            "uitgevoerd.",
        "untested": "Niet geteste verplichte controles (wat er nodig is)",
        "waived": "Verplichte regels met ontheffing (--expected-failures)",
        "meaning_conformant_with_waivers": "Het eindpunt voldoet aan alle verplichte regels die "
                                           "de testsuite kon controleren, BEHALVE de regels "
                                           "waarvoor een ontheffing is opgegeven (hieronder). "
                                           "Dit is geen volledige conformiteit.",
    },
    "en": {
        "title": "Vorderingen API conformance report",
        "summary_title": "Summary for management and audit",
        "could_not_run": "Could not run",
        "target": "Target", "oin": "OIN", "profiles": "Profiles",
        "spec_version": "Standard version", "suite_version": "Suite version",
        "versions": "Versions used", "seed": "Seed / max examples",
        "period": "Started / finished", "results": "Results",
        "counts": "{passed} passed, {failed} failed ({warnings} SHOULD warnings, "
                  "{expected_failures} expected), {skipped} skipped, {error} errors",
        "note": "Only a failed MUST check makes an endpoint not conformant. A failed SHOULD "
                "check is a warning. An error means the suite or the network broke; it is never "
                "counted as nonconformance, but leaves the rule untested. \"Conformant\" means "
                "every mandatory check ran and passed; an untested mandatory check makes the "
                "run incomplete. This report is a self-test: only a signed result "
                "of the scheme operator is a certification.",
        "checks": "Checks", "outcome": "Outcome", "check": "Check", "rule": "Rule",
        "severity": "Severity", "message": "Message", "evidence": "Evidence",
        "replay": "Replay (set the variables {variables} first):",
        "replay_plain": "Replay:",
        "request": "Request", "response": "Response",
        "comparison": "Compared with the previous run ({when}, {verdict})",
        "newly_failing": "Newly failing", "fixed": "Fixed", "new_checks": "New checks",
        "gone_checks": "Checks no longer run", "nothing_changed": "No change in outcomes.",
        "what_it_means": "What does this mean?",
        "meaning_conformant": "The endpoint meets every mandatory (MUST) rule of the standard "
                              "the suite could check.",
        "meaning_not_conformant": "The endpoint breaks {n} mandatory rule(s). It must not go "
                                  "to production like this; the vendor must fix the rules "
                                  "listed below.",
        "meaning_error": "The run could not (fully) take place. This says nothing about the "
                         "endpoint; fix the cause named first.",
        "meaning_incomplete": "Not every mandatory check could run (missing test data, setup "
                              "or time). This is not a green light.",
        "broken_rules": "Rules broken", "warnings": "Warnings (SHOULD)",
        "full_report": "Full technical report", "har": "Every request (HAR file)",
        "reproduce": "To reproduce: the same versions (report.json, `versions`) and seed.",
        "none": "none",
        "actor": "Actor under test", "actor_bron": "source (claims API)",
        "actor_app-manager": "App Manager", "actor_stelsel": "scheme service",
        "actor_app": "citizen app",
        "skips": "skipped: {not_tested} not tested (missing test data, setup or time), "
                 "{not_applicable} not applicable, {not_run} not run; {waived} MUSTs waived",
        "selection": "Only these checks (--check)",
        "interrupted": "Interrupted",
        "interrupted_text": "The run was interrupted (Ctrl-C); the checks after it did not run.",
        "untested": "Mandatory checks not tested (what they need)",
        "waived": "Mandatory rules waived (--expected-failures)",
        "meaning_conformant_with_waivers": "The endpoint meets every mandatory rule the suite "
                                           "could check EXCEPT the waived ones listed below. "
                                           "This is not full conformance.",
    },
}

_DOUBLE_BACKTICK = re.compile(r"``(.+?)``")
_SINGLE_BACKTICK = re.compile(r"(?<![`\w])`([^`\n]+?)`(?![`\w])")


def check_language(taal: str) -> str:
    if taal not in LANGUAGES:
        raise ValueError(f"taal {taal!r}: choose one of {', '.join(LANGUAGES)}")
    return taal


def text(taal: str, key: str, **values: object) -> str:
    template = _TEXTS[check_language(taal)][key]
    return template.format(**values) if values else template


def verdict_text(taal: str, verdict: Verdict | str) -> str:
    value = verdict.value if isinstance(verdict, Verdict) else str(verdict)
    return _VERDICTS[check_language(taal)].get(value, value)


def outcome_text(taal: str, label: str) -> str:
    return _OUTCOMES[check_language(taal)].get(label, label)


def inline_code_html(raw: str) -> str:
    """Escape `raw` for HTML and turn RST/Markdown literals (``x`` or `x`) into <code>."""
    escaped = html.escape(raw, quote=False)
    escaped = _DOUBLE_BACKTICK.sub(r"<code>\1</code>", escaped)
    return _SINGLE_BACKTICK.sub(r"<code>\1</code>", escaped)


def plain(raw: str) -> str:
    """`raw` with RST literal markers dropped, for plain-text output (console, Markdown)."""
    return _DOUBLE_BACKTICK.sub(r"\1", raw)

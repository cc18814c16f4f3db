"""Dutch for click's own messages (`Usage:`, `No such option`, `Missing argument`, the
`--help` headings ...), so that the `vorderingen` CLI speaks one language.

click words every message it makes through `gettext` (`_("Usage:")`, `ngettext(...)`), but
binds those functions per module when it is imported, and gettext picks its language from
the environment (`LANGUAGE`, `LC_ALL` ...), which a CI runner or container rarely sets to
Dutch. `dutch_click()` therefore rebinds them in click's modules to `DUTCH` — a gettext
translations object over the catalogue below — for as long as the reference CLI runs, and
restores them afterwards: a program in the same process (the conformance CLI in a test
run) keeps click's own words. A message missing from the catalogue stays as click wrote it.

Placeholders may be dropped in a translation: click fills e.g. `{name}` with "File" or
"Directory" (names it translated when the command was defined, at import time).
"""

from __future__ import annotations

import gettext
import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import click

CATALOGUE: dict[str, str] = {
    # help pages
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Commands": "Opdrachten",
    "Positional arguments": "Argumenten",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "Show the version and exit.": "Toon de versie en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "default: {default}": "standaard: {default}",
    "env var: {var}": "omgevingsvariabele: {var}",
    "required": "verplicht",
    "(dynamic)": "(bepaald bij start)",
    "deprecated": "verouderd",
    "Choose from:\n\t{choices}": "Kies uit:\n\t{choices}",
    # usage errors
    "Error: {message}": "Fout: {message}",
    "Try '{command} {option}' for help.": "Zie '{command} {option}' voor hulp.",
    "Missing command.": "Geef een opdracht.",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "Missing argument": "Ontbrekend argument",
    "Missing option": "Ontbrekende optie",
    "Missing parameter": "Ontbrekende parameter",
    "Missing {param_type}": "Ontbrekende {param_type}",
    "Missing parameter: {param_name}": "Ontbrekende parameter: {param_name}",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} neemt {nargs} waarden.",
    "Invalid start character for option ({option})":
        "Ongeldig beginteken voor een optie ({option})",
    "Value must be an iterable.": "De waarde moet een reeks zijn.",
    "Aborted!": "Afgebroken.",
    "unknown error": "onbekende fout",
    "Could not open file {filename!r}: {message}": "Kan bestand {filename!r} niet openen: "
                                                   "{message}",
    # parameter types
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig getal.",
    "{value} is not in the range {range}.": "{value} ligt niet in het bereik {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} is geen geldige ja/nee-waarde. Bekende waarden: {states}",
    "{value!r} is not a valid UUID.": "{value!r} is geen geldige UUID.",
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "{name} {filename!r} does not exist.": "{filename!r} bestaat niet.",
    "{name} {filename!r} is a file.": "{filename!r} is een bestand, geen map.",
    "{name} {filename!r} is a directory.": "{filename!r} is een map, geen bestand.",
    "{name} {filename!r} is not readable.": "{filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{filename!r} is niet schrijfbaar.",
    "{name} {filename!r} is not executable.": "{filename!r} is niet uitvoerbaar.",
    # prompts
    "Do you want to continue?": "Wilt u doorgaan?",
    "Repeat for confirmation": "Herhaal ter bevestiging",
    "Error: The two entered values do not match.": "Fout: de twee waarden verschillen.",
    "Error: invalid input": "Fout: ongeldige invoer",
    "Press any key to continue...": "Druk op een toets om door te gaan...",
}

PLURALS: dict[str, tuple[str, str]] = {
    # click's singular msgid → (Dutch singular, Dutch plural)
    "Got unexpected extra argument ({args})":
        ("Onverwacht extra argument ({args})", "Onverwachte extra argumenten ({args})"),
    "Did you mean {possibility}?":
        ("Bedoelt u {possibility}?", "(Bedoelt u een van: {possibilities}?)"),
    "Option {name!r} requires an argument.":
        ("Optie {name!r} vraagt een waarde.", "Optie {name!r} vraagt {nargs} waarden."),
    "{value!r} is not {choice}.":
        ("{value!r} is niet {choice}.", "{value!r} is niet een van {choices}."),
    "{value!r} does not match the format {format}.":
        ("{value!r} past niet bij het formaat {format}.",
         "{value!r} past niet bij de formaten {formats}."),
    "Takes {nargs} values but 1 was given.":
        ("Neemt {nargs} waarden, maar kreeg er 1.", "Neemt {nargs} waarden, maar kreeg er {len}."),
    "{len_type} values are required, but {len_value} was given.":
        ("{len_type} waarden zijn nodig, maar kreeg er {len_value}.",
         "{len_type} waarden zijn nodig, maar kreeg er {len_value}."),
}


class Catalogue(gettext.NullTranslations):
    """gettext translations from the two dictionaries above (no .mo file to build)."""

    def gettext(self, message: str) -> str:
        return CATALOGUE.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        if msgid1 not in PLURALS:
            return msgid1 if n == 1 else msgid2
        singular, plural = PLURALS[msgid1]
        return singular if n == 1 else plural


DUTCH = Catalogue()

# Placeholders in usage lines and help pages, which click takes from the commands' own
# attributes (set when they were defined) rather than through gettext.
OPTIONS_METAVAR = ("[OPTIONS]", "[OPTIES]")
SUBCOMMAND_METAVAR = ("COMMAND [ARGS]...", "OPDRACHT [ARGUMENTEN]...")
TYPE_METAVARS = {"text": "TEKST", "integer": "GETAL", "float": "GETAL",
                 "integer range": "GETAL", "float range": "GETAL", "file": "BESTAND",
                 "directory": "MAP", "path": "PAD", "filename": "BESTAND", "boolean": "JA|NEE"}

# The click modules that word messages, each holding its own `_` (and maybe `ngettext`).
CLICK_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting",
                 "click.parser", "click.types", "click.termui", "click.utils")


@contextmanager
def dutch_click() -> Iterator[None]:
    """click speaks Dutch inside the block; what was bound before is bound again after."""
    saved: list[tuple[object, str, object]] = []
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        for function, dutch in (("_", DUTCH.gettext), ("ngettext", DUTCH.ngettext)):
            if hasattr(module, function):
                saved.append((module, function, getattr(module, function)))
                setattr(module, function, dutch)
    try:
        yield
    finally:
        for module, function, original in reversed(saved):
            setattr(module, function, original)


def dutch_placeholders(command: click.Command) -> None:
    """Dutch placeholders (`[OPTIES]`, `OPDRACHT`, `BESTAND` ...) in the help of `command`
    and every command under it; a placeholder a command chose itself is kept."""
    if command.options_metavar == OPTIONS_METAVAR[0]:
        command.options_metavar = OPTIONS_METAVAR[1]
    if command.add_help_option:
        # click words its --help option once, when a context first asks for it — possibly
        # before this catalogue was in place (a docs build walking the commands): each
        # command gets its own, worded in Dutch.
        command.add_help_option = False
        click.help_option("--help", help=DUTCH.gettext("Show this message and exit."))(command)
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag \
                and param.type.name in TYPE_METAVARS:
            param.metavar = TYPE_METAVARS[param.type.name]
    if isinstance(command, click.Group):
        if command.subcommand_metavar == SUBCOMMAND_METAVAR[0]:
            command.subcommand_metavar = SUBCOMMAND_METAVAR[1]
        for sub in command.commands.values():
            dutch_placeholders(sub)

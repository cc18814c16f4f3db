"""The command-line options of `vorderingen app`, read into one small typed object.

`Options.settings()` turns them into the app's settings: the trust anchor (scheme URL or
file, pinned key, environment), the App Manager and the state directory — from the options,
else from a running demo's discovery file (discovery.py). Each option of an app under test
also reads its `VORDERINGEN_*` variable (spec/testomgeving.md §4), an option given on the
command line winning. The app's heavier modules are
imported only when a command runs, so `--help` stays fast.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reference_impl.app.discovery import find_demo

if TYPE_CHECKING:
    from reference_impl.app.citizen import AppSettings, KeyChoice

SOURCE_TIMEOUT_S = 10.0  # = sources.SOURCE_TIMEOUT_S, without importing it for --help
DEFAULT_OMGEVING = "productie"
OMGEVINGEN = ("productie", "acceptatie", "test", "ontwikkeling")
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
PASSPHRASE_ENV = "VORDERINGEN_APP_WACHTWOORD"  # noqa: S105 - the name of a variable
# The variables of an app under test (spec/testomgeving.md, "An app under test"); each
# stands in for its option, so the conformance suite can start any app the same way.
STATE_DIR_ENV = "VORDERINGEN_APP_MAP"
SCHEME_URL_ENV = "VORDERINGEN_STELSEL_URL"
SCHEME_KEYS_ENV = "VORDERINGEN_STELSEL_SLEUTELS"  # a JWKS file (several: separated by ':')
OMGEVING_ENV = "VORDERINGEN_OMGEVING"
APP_MANAGER_ENV = "VORDERINGEN_APP_MANAGER_URL"
TIMEOUT_ENV = "VORDERINGEN_APP_TIMEOUT_S"
DEFAULT_STATE_DIR = Path.home() / ".vorderingen-app"
DEFAULT_MAJORS = (2,)  # = sources.SUPPORTED_MAJORS
# ASCII digits only: `\d` would take "٥٠٠" (Arabic-Indic) for 500.
AMOUNT = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")


@dataclass
class Options:
    stelsel: str | None
    stelsel_sleutel: tuple[Path, ...]
    omgeving: str | None
    app_manager_url: str | None
    state_dir: Path
    timeout_s: float
    as_json: bool
    test_bsn: str | None
    niveau: str | None
    keep_key: bool
    unencrypted: bool
    apparaat_naam: str | None = None
    majors: tuple[int, ...] = DEFAULT_MAJORS

    def settings(self) -> AppSettings:
        from reference_impl.app.citizen import AppSettings
        from reference_impl.app.trust import TrustAnchor

        stelsel, key_files, omgeving = self.stelsel, self.stelsel_sleutel, self.omgeving
        manager_url = self.app_manager_url
        if stelsel is None or not key_files:
            demo = find_demo()
            if demo is None:
                raise click.UsageError("geef --stelsel-url en --stelsel-sleutel op "
                                       "(of start `vorderingen demo`)")
            stelsel, key_files = stelsel or demo.stelsel_url, key_files or (demo.stelsel_sleutel,)
            omgeving, manager_url = omgeving or demo.omgeving, manager_url or demo.app_manager_url
        anchor = TrustAnchor.from_key_file(stelsel, key_files, omgeving or DEFAULT_OMGEVING)
        return AppSettings(anchor, manager_url, self.state_dir, self.timeout_s,
                           frozenset(self.majors), self.apparaat_naam)

    def key_choice(self) -> KeyChoice:
        from reference_impl.app.citizen import KeyChoice

        passphrase = os.environ.get(PASSPHRASE_ENV, "").encode() or None
        return KeyChoice(keep=self.keep_key, passphrase=passphrase, unencrypted=self.unencrypted)


def _bsn(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        raise click.BadParameter("een BSN heeft 9 cijfers")
    from reference_impl.common.document import elfproef  # here: it loads the schemas

    # The test identity provider refuses such a BSN, and the app would then wait
    # LOGIN_WAIT_S (600 s) for a redirect that never comes.
    if not elfproef(value):
        raise click.BadParameter("dit BSN klopt niet (elfproef)")
    return value


def trust_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say whom to trust (also for `verifieer`)."""
    for decorator in reversed([
        click.option("--stelsel-url", "--stelsel", "stelsel", default=None, envvar=SCHEME_URL_ENV,
                     help="Het stelseldocument: een http(s)-URL of een bestand (standaard: de "
                          "demo)."),
        click.option("--stelsel-sleutel", type=click.Path(dir_okay=False, path_type=Path),
                     multiple=True, envvar=SCHEME_KEYS_ENV,
                     help="Een publieke sleutel van de stelselbeheerder om te pinnen: een JWK- "
                          "of JWKS-bestand; herhaal voor een set (huidige + volgende/reserve, "
                          "hoogstens 5 sleutels)."),
        click.option("--omgeving", type=click.Choice(OMGEVINGEN), default=None,
                     envvar=OMGEVING_ENV,
                     help="De omgeving waarvoor het stelsel moet gelden (standaard: productie, of "
                          "die van de demo)."),
        click.option("--json", "as_json", is_flag=True, help="JSON op stdout, voor scripts."),
    ]):
        f = decorator(f)
    return f


def app_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that logs in and talks to the sources."""
    for decorator in reversed([
        trust_options,
        click.option("--app-manager-url", default=None, envvar=APP_MANAGER_ENV,
                     help="Basis-URL van de App Manager (standaard: uit het stelsel of de demo)."),
        click.option("--map", "state_dir", type=click.Path(file_okay=False, path_type=Path),
                     envvar=STATE_DIR_ENV, default=DEFAULT_STATE_DIR, show_default=True,
                     help="De map van de app (hoogste volgnummer; een bewaarde sleutel)."),
        click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 300),
                     default=SOURCE_TIMEOUT_S, show_default=True, envvar=TIMEOUT_ENV,
                     help="Seconden per organisatie."),
        click.option("--test-bsn", default=None, callback=_bsn,
                     help="Inloggen als deze TEST-burger: een testbrowser vult de "
                          "toestemmingspagina en de test-DigiD in (nooit tegen productie)."),
        click.option("--niveau", type=click.Choice(NIVEAUS), default=None,
                     help="Het DigiD-niveau dat de test-DigiD kiest."),
        click.option("--bewaar-sleutel", "keep_key", is_flag=True,
                     help=f"De sleutel bewaren voor een volgende keer (versleuteld met "
                          f"${PASSPHRASE_ENV})."),
        click.option("--onversleuteld", "unencrypted", is_flag=True,
                     help="Met --bewaar-sleutel: onversleuteld bewaren (bestandsmodus 0600)."),
        click.option("--apparaat-naam", default=None,
                     help="De apparaatnaam op de toestemmingspagina (standaard: de hostnaam)."),
        click.option("--major", "majors", type=click.IntRange(1, 99), multiple=True,
                     default=DEFAULT_MAJORS, show_default=True,
                     help="Een hoofdversie van de standaard die de app spreekt (herhaalbaar); per "
                          "organisatie wordt het hoogste genoemde eindpunt gebruikt."),
    ]):
        f = decorator(f)

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> Any:
        if kwargs["apparaat_naam"] is not None and not 1 <= len(kwargs["apparaat_naam"]) <= 64:
            raise click.BadParameter("1 tot 64 tekens", param_hint="--apparaat-naam")
        names = ("stelsel", "stelsel_sleutel", "omgeving", "app_manager_url", "state_dir",
                 "timeout_s", "as_json", "test_bsn", "niveau", "keep_key", "unencrypted",
                 "apparaat_naam", "majors")
        options = Options(**{n: kwargs.pop(n) for n in names})
        return f(options, **kwargs)

    return wrapper


def cents(text: str) -> int:
    match = AMOUNT.fullmatch(text.strip().removeprefix("€").strip())
    if not match:
        raise click.BadParameter(f"{text!r} is geen bedrag in euro (bijv. 150 of 150,50)")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))

"""The command-line options of `vorderingen app`, read into one small typed object.

`Options.settings()` turns them into the app's settings: the trust anchor (scheme URL or
file, pinned key, environment), the App Manager and the state directory — from the options,
else from a running demo's discovery file (discovery.py). The app's heavier modules are
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
STATE_DIR_ENV = "VORDERINGEN_APP_MAP"
DEFAULT_STATE_DIR = Path.home() / ".vorderingen-app"
AMOUNT = re.compile(r"^(\d{1,9})(?:[.,](\d{1,2}))?$")


@dataclass
class Options:
    stelsel: str | None
    stelsel_sleutel: Path | None
    omgeving: str | None
    app_manager_url: str | None
    state_dir: Path
    timeout_s: float
    as_json: bool
    test_bsn: str | None
    niveau: str | None
    keep_key: bool
    unencrypted: bool

    def settings(self) -> AppSettings:
        from reference_impl.app.citizen import AppSettings
        from reference_impl.app.trust import TrustAnchor

        stelsel, key_file, omgeving = self.stelsel, self.stelsel_sleutel, self.omgeving
        manager_url = self.app_manager_url
        if stelsel is None or key_file is None:
            demo = find_demo()
            if demo is None:
                raise click.UsageError("give --stelsel-url and --stelsel-sleutel "
                                       "(or start `vorderingen demo`)")
            stelsel, key_file = stelsel or demo.stelsel_url, key_file or demo.stelsel_sleutel
            omgeving, manager_url = omgeving or demo.omgeving, manager_url or demo.app_manager_url
        anchor = TrustAnchor.from_key_file(stelsel, key_file, omgeving or DEFAULT_OMGEVING)
        return AppSettings(anchor, manager_url, self.state_dir, self.timeout_s)

    def key_choice(self) -> KeyChoice:
        from reference_impl.app.citizen import KeyChoice

        passphrase = os.environ.get(PASSPHRASE_ENV, "").encode() or None
        return KeyChoice(keep=self.keep_key, passphrase=passphrase, unencrypted=self.unencrypted)


def _bsn(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (len(value) != 9 or not value.isdigit()):
        raise click.BadParameter("a BSN is 9 digits")
    return value


def trust_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say whom to trust (also for `verifieer`)."""
    for decorator in reversed([
        click.option("--stelsel-url", "--stelsel", "stelsel", default=None,
                     help="The scheme document: an http(s) URL or a file (default: the demo)."),
        click.option("--stelsel-sleutel", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="The scheme operator's public JWK file to pin."),
        click.option("--omgeving", type=click.Choice(OMGEVINGEN), default=None,
                     help="The environment the scheme must be for (default: productie, or the "
                          "demo's)."),
        click.option("--json", "as_json", is_flag=True, help="JSON on stdout, for scripts."),
    ]):
        f = decorator(f)
    return f


def app_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that logs in and talks to the sources."""
    for decorator in reversed([
        trust_options,
        click.option("--app-manager-url", default=None,
                     help="Base URL of the App Manager (default: from the scheme or the demo)."),
        click.option("--map", "state_dir", type=click.Path(file_okay=False, path_type=Path),
                     envvar=STATE_DIR_ENV, default=DEFAULT_STATE_DIR, show_default=True,
                     help="The app's state directory (highest volgnummer; a kept key)."),
        click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 300),
                     default=SOURCE_TIMEOUT_S, show_default=True, help="Seconds per source."),
        click.option("--test-bsn", default=None, callback=_bsn,
                     help="Log in non-interactively at the TEST identity provider as this BSN."),
        click.option("--niveau", type=click.Choice(NIVEAUS), default=None,
                     help="DigiD level to choose at the test identity provider."),
        click.option("--bewaar-sleutel", "keep_key", is_flag=True,
                     help=f"Keep the key between runs (encrypted with ${PASSPHRASE_ENV})."),
        click.option("--onversleuteld", "unencrypted", is_flag=True,
                     help="With --bewaar-sleutel: keep it unencrypted (file mode 0600)."),
    ]):
        f = decorator(f)

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> Any:
        names = ("stelsel", "stelsel_sleutel", "omgeving", "app_manager_url", "state_dir",
                 "timeout_s", "as_json", "test_bsn", "niveau", "keep_key", "unencrypted")
        options = Options(**{n: kwargs.pop(n) for n in names})
        return f(options, **kwargs)

    return wrapper


def cents(text: str) -> int:
    match = AMOUNT.match(text.strip().removeprefix("€").strip())
    if not match:
        raise click.BadParameter(f"{text!r} is no amount in euros (e.g. 150 or 150,50)")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))

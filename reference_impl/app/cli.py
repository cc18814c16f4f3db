"""`vorderingen app …`: the reference citizen app on the command line.

    vorderingen app overzicht [--json] [--test-bsn BSN]
    vorderingen app regeling voorstel --maandbedrag EUR [--zaak KENMERK ...]
    vorderingen app regeling afsluiten --maandbedrag EUR [--zaak KENMERK ...] [--ja]
    vorderingen app regeling hervatten
    vorderingen app pauze [--dagen N | --tot JJJJ-MM-DD]
    vorderingen app exporteer [--uit bundel.json]
    vorderingen app verifieer BUNDEL --stelsel FILE|URL --stelsel-sleutel JWK
    vorderingen app hulp [--gemeente OIN] [--bundel FILE] [--telefoon ..] [--toelichting ..]
    vorderingen app web [--poort N]

Against a running `vorderingen demo` no other option is needed (discovery.py); otherwise
give `--stelsel-url`, `--stelsel-sleutel` (repeatable: the pinned key set), `--omgeving` and
`--app-manager-url` — or their variables (`VORDERINGEN_STELSEL_URL`,
`VORDERINGEN_STELSEL_SLEUTELS`, `VORDERINGEN_OMGEVING`, `VORDERINGEN_APP_MANAGER_URL`,
`VORDERINGEN_APP_MAP`, `VORDERINGEN_APP_TIMEOUT_S`): that is how the conformance suite puts
the app under test (spec/testomgeving.md §4: `vorderingen app overzicht --json` is the
command it runs). Login: the app listens on a loopback port for the App Manager's redirect,
shows the login URL and opens it with `$BROWSER` when set (else the system browser), and
waits until the citizen has logged in there (login.py). With `--test-bsn` a test citizen's
browser does that part instead; it is wired in by the `vorderingen` command (`TEST_BROWSER`
in the click context's `meta`), since the app itself never fills in HTML forms. Progress
goes to stderr; stdout carries the result (a table, or JSON with `--json`). The private key
is kept between runs only with `--bewaar-sleutel` (encrypted with the passphrase in
`$VORDERINGEN_APP_WACHTWOORD`, or in clear at mode 0600 with `--onversleuteld`).

Exit codes: 0 done, 1 the work failed (the one-line message says why), 2 a usage error.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reference_impl.app.discovery import find_demo
from reference_impl.app.options import (
    DEFAULT_OMGEVING,
    SOURCE_TIMEOUT_S,
    Options,
    app_options,
    cents,
    trust_options,
)

if TYPE_CHECKING:  # the app's modules are imported when a command runs (fast --help)
    from rich.console import Console

    from reference_impl.app.citizen import CitizenApp
    from reference_impl.app.overview import Overview

T = TypeVar("T")
TEST_BROWSER = "vorderingen.app.test_browser"  # ctx.meta key: factory(bsn, niveau=, omgeving=)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=max(Console().width, 120))


def _run(work: Awaitable[T]) -> T:
    """Run the coroutine; app errors become one-line click errors (exit 1, setup 2)."""
    from reference_impl.app.errors import AppError, SetupError

    try:
        return asyncio.run(work)  # type: ignore[arg-type]
    except SetupError as exc:
        raise click.UsageError(str(exc)) from None
    except AppError as exc:
        raise click.ClickException(" ".join(str(exc).split())) from None


async def _logged_in(options: Options) -> CitizenApp:
    from reference_impl.app.citizen import CitizenApp
    from reference_impl.app.login import system_browser

    test_browser = click.get_current_context().meta.get(TEST_BROWSER)
    if options.test_bsn and test_browser is None:
        raise click.UsageError("--test-bsn werkt alleen met de testbrowser van `vorderingen`")
    app = CitizenApp(options.settings(), key_choice=options.key_choice())
    err = _err()
    try:
        scheme = await app.start()
        err.print(f"Stelseldocument geverifieerd (volgnummer {scheme.payload['volgnummer']}, "
                  f"{len(scheme.payload['organisaties'])} organisaties).")
        if options.test_bsn:
            async with test_browser(options.test_bsn, niveau=options.niveau,
                                    omgeving=scheme.payload["omgeving"]) as browser:
                await app.login(browser)
        else:
            await app.login(system_browser(
                lambda url: err.print(f"Log in via: {url}\nDe app wacht tot u bent ingelogd.")))
        err.print(f"Ingelogd (niveau {app.identity.niveau}).")
    except BaseException:
        await app.close()
        raise
    return app


async def _overview(app: CitizenApp) -> Overview:
    from reference_impl.app import display

    err = _err()
    err.print(f"Contact met {len(app.sources)} organisaties …")
    # A CLI run is short: what it holds by now (modules, schemas, the scheme, keys) lives
    # until it ends. Frozen, that heap is left out of the full collections the fan-out's
    # garbage triggers (≈ 100 ms each with 400 sources, bench/fanout_bench.py).
    gc.freeze()
    return await app.overview(on_done=lambda status: err.print(display.progress_line(status)))


def _emit(options: Options, data: Any, show: Callable[[Console], None]) -> None:
    if options.as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        show(_out())


@click.group("app")
def app() -> None:
    """De referentie-app voor burgers: één overzicht, één regeling, pauze, delen, hulp."""


@app.command()
@app_options
def overzicht(options: Options) -> None:
    """Eén overzicht van alle vorderingen: totalen, de vier groepen, status per organisatie."""
    from reference_impl.app import display

    async def work() -> Overview:
        citizen = await _logged_in(options)
        async with citizen:
            return await _overview(citizen)

    result = _run(work())
    _emit(options, result.to_json(), lambda console: display.show_overview(console, result))


@app.group()
def regeling() -> None:
    """Eén betalingsregeling bij alle organisaties (verdeelregel: ALLOCATION.md)."""


def _arrangement_command(conclude: bool) -> Callable[..., Any]:
    @app_options
    @click.option("--maandbedrag", required=True, help="Het ene maandbedrag, in euro.")
    @click.option("--zaak", "zaken", multiple=True, help="Alleen deze zaken (zaakkenmerk).")
    @click.option("--ja", "yes", is_flag=True, help="Niet om bevestiging vragen.")
    def command(options: Options, maandbedrag: str, zaken: tuple[str, ...], yes: bool) -> None:
        from reference_impl.app import display

        monthly = cents(maandbedrag)
        if conclude and options.as_json and not yes:
            raise click.UsageError("bevestig de regeling met --ja wanneer u --json gebruikt")

        async def work() -> Any:
            citizen = await _logged_in(options)
            async with citizen:
                overview = await _overview(citizen)
                plan = await citizen.plan_arrangement(monthly, chosen=list(zaken) or None,
                                                      overview=overview)
                if conclude and plan.status == "voorgesteld":
                    if not yes and not options.as_json:
                        display.show_plan(_out(), plan)
                        if not await asyncio.to_thread(click.confirm, "Regeling afsluiten?"):
                            raise click.Abort
                    _err().print("Voorstellen accepteren …")
                    plan = await citizen.conclude(plan)
                return plan

        plan = _run(work())
        _emit(options, plan.to_json(), lambda console: display.show_plan(console, plan))
        if plan.status not in ("voorgesteld", "afgesloten"):
            sys.exit(1)

    return command


regeling.command("voorstel", help="Een voorstel van elke organisatie voor één maandbedrag; "
                 "er wordt nog niets afgesproken.")(_arrangement_command(False))
regeling.command("afsluiten", help="Voorstellen vragen en vastleggen bij elke organisatie, alles "
                 "of niets: eerst overal reserveren, dan overal bevestigen; lukt het bij één niet, "
                 "dan wordt alles geannuleerd of ingetrokken.")(_arrangement_command(True))


@regeling.command("hervatten")
@app_options
def hervatten(options: Options) -> None:
    """Een onderbroken regeling afmaken (na een storing of een afgebroken app)."""
    from reference_impl.app import display

    async def work() -> Any:
        citizen = await _logged_in(options)
        async with citizen:
            _err().print("Onderbroken regeling afmaken …")
            return await citizen.resume_agreement()

    plan = _run(work())
    if plan is None:
        _emit(options, {"status": "geen", "melding": "Er is geen onderbroken regeling."},
              lambda console: console.print("Er is geen onderbroken regeling."))
        return
    _emit(options, plan.to_json(), lambda console: display.show_plan(console, plan))
    if plan.status != "afgesloten":
        sys.exit(1)


@app.command()
@app_options
@click.option("--dagen", type=click.IntRange(1, 3660), default=30, show_default=True,
              help="Zoveel dagen pauzeren (ingekort tot het maximum van elke organisatie).")
@click.option("--tot", "until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Of: pauzeren tot en met deze datum.")
def pauze(options: Options, dagen: int, until: Any) -> None:
    """Alle vorderingen pauzeren bij elke organisatie die een pauze aanbiedt."""
    from reference_impl.app import display

    end: date | None = until.date() if until else None

    async def work() -> list:
        citizen = await _logged_in(options)
        async with citizen:
            overview = await _overview(citizen)  # a pause is asked only where `acties` allow
            _err().print("Pauze aanvragen …")
            return await citizen.pause_everything(days=dagen, until=end, overview=overview)

    lines = _run(work())
    _emit(options, {"pauzes": [line.to_json() for line in lines]},
          lambda console: display.show_pauses(console, lines))
    if any(line.status in ("mislukt", "onbereikbaar", "niet_toegestaan") for line in lines):
        sys.exit(1)


@app.command()
@app_options
@click.option("--uit", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("bundel.json"), show_default=True,
              help="Het bundelbestand; er komt een leesbaar .md-bestand naast.")
def exporteer(options: Options, out: Path) -> None:
    """Het ondertekende overzicht opslaan als bundel (JSON) plus een leesbare versie (Markdown)."""
    from reference_impl.app.bundle import write_bundle

    async def work() -> tuple[Path, Path, int]:
        citizen = await _logged_in(options)
        async with citizen:
            bundle = await citizen.bundle(await _overview(citizen))
            return (*write_bundle(bundle, out), len(bundle["enveloppen"]))

    json_path, readable, count = _run(work())
    result = {"bundel": str(json_path), "leesbaar": str(readable), "enveloppen": count}
    _emit(options, result, lambda console: console.print(
        f"Bundel met {count} ondertekende overzichten: {json_path} (leesbaar: {readable})"))


@app.command()
@click.argument("bundel", type=click.Path(dir_okay=False, path_type=Path))
@trust_options
def verifieer(bundel: Path, stelsel: str | None, stelsel_sleutel: tuple[Path, ...],
              omgeving: str | None, as_json: bool) -> None:
    """Een bundel offline toetsen aan een stelseldocument; noemt de envelop en stap die falen."""
    from reference_impl.app import display
    from reference_impl.app.bundle import read_bundle, verify_bundle
    from reference_impl.app.errors import AppError
    from reference_impl.app.http import new_client
    from reference_impl.app.trust import SchemeTrust, TrustAnchor

    if stelsel is None or not stelsel_sleutel:
        demo = find_demo()
        if demo is None:
            raise click.UsageError("geef --stelsel en --stelsel-sleutel op")
        stelsel = stelsel or demo.stelsel_url
        stelsel_sleutel = stelsel_sleutel or (demo.stelsel_sleutel,)
        omgeving = omgeving or demo.omgeving
    anchor = TrustAnchor.from_key_file(stelsel, stelsel_sleutel, omgeving or DEFAULT_OMGEVING)

    async def work() -> Any:
        client = new_client()
        try:
            # Offline: no state directory, so an older document is not refused as a rollback.
            return await SchemeTrust(anchor, client).load()
        finally:
            await client.aclose()

    try:
        scheme = _run(work())
    except click.ClickException as exc:
        raise click.ClickException(f"stelseldocument ongeldig: {exc.format_message()}") from None
    try:
        verdict = verify_bundle(read_bundle(bundel), scheme)
    except AppError as exc:
        raise click.ClickException(str(exc)) from None
    _emit(Options(None, (), None, None, Path(), 0, as_json, None, None, False, False),
          verdict.to_json(), lambda console: display.show_verdict(console, verdict))
    if not verdict.ok:
        sys.exit(1)


@app.command()
@app_options
@click.option("--gemeente", default=None, help="OIN van uw gemeente (standaard: zelf gevonden).")
@click.option("--bundel", "bundle_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Deze bundel sturen (standaard: een vers overzicht).")
@click.option("--telefoon", default=None, help="Waarop de gemeente u kan bellen.")
@click.option("--email", default=None, help="Waarop de gemeente u kan mailen.")
@click.option("--toelichting", default=None, help="Uw eigen toelichting (hoogstens 2000 tekens).")
def hulp(options: Options, gemeente: str | None, bundle_file: Path | None,
         telefoon: str | None, email: str | None, toelichting: str | None) -> None:
    """Uw gemeente om schuldhulp vragen en uw ondertekende overzicht delen (met toestemming)."""
    from reference_impl.app.bundle import read_bundle

    bundle = read_bundle(bundle_file) if bundle_file else None

    async def work() -> Any:
        citizen = await _logged_in(options)
        async with citizen:
            if bundle is None:
                await _overview(citizen)
            _err().print("Hulpvraag versturen …")
            return await citizen.ask_help(bundle=bundle, gemeente=gemeente, telefoon=telefoon,
                                          email=email, toelichting=toelichting)

    municipality, answer = _run(work())
    result = {"gemeente": {"oin": municipality.oin, "naam": municipality.naam}, **answer}
    _emit(options, result, lambda console: console.print(
        f"Hulpvraag ontvangen door {municipality.naam} (kenmerk {answer['id']}, "
        f"{answer['aantal_enveloppen']} overzichten gedeeld)."))


@app.command()
@trust_options
@click.option("--app-manager-url", default=None, help="Basis-URL van de App Manager.")
@click.option("--poort", "port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Loopback-poort van de pagina (0: een vrije poort).")
def web(stelsel: str | None, stelsel_sleutel: tuple[Path, ...], omgeving: str | None,
        as_json: bool,
        app_manager_url: str | None, port: int) -> None:
    """De browser-app op loopback aanbieden (de sleutel blijft in de browser)."""
    from reference_impl.app.web.server import WebConfig, serve

    options = Options(stelsel, stelsel_sleutel, omgeving, app_manager_url, Path(),
                      SOURCE_TIMEOUT_S, as_json, None, None, False, False)
    settings = options.settings()
    serve(WebConfig.from_settings(settings), port=port,
          announce=lambda url: click.echo(json.dumps({"url": url}) if as_json
                                          else f"De app staat op {url} (Ctrl+C stopt)."))

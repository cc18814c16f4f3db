"""The App Manager's HTML pages for people: Dutch, every value escaped, no script and no
external resource (design §4, §5).

Their forms are kept simple and stable so that a browser — or a test driving the pages as
one — can submit them: the consent form has submit buttons `keuze=doorgaan|annuleren` and a
hidden `formulier_token`; the revocation form a hidden `formulier_token`.

`page_csp(*form_targets)`: the common middleware's strict policy, relaxed only as far as a
page needs: inline style, and form posts to itself plus the origins its form's redirect
goes to (browsers apply `form-action` to the redirects that follow a post).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.responses import HTMLResponse

from reference_impl.app_manager.ledger import IssuedCertificate

TIMEZONE = ZoneInfo("Europe/Amsterdam")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
STATUS_LABELS = {"geldig": "geldig", "ingetrokken": "ingetrokken", "verlopen": "verlopen"}
STYLE = ("body{font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;"
         "line-height:1.5}.let-op{background:#fff4e5;padding:.6rem 1rem;border-left:4px solid "
         "#c60}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;"
         "padding:.3rem;text-align:left}button{font-size:1rem;padding:.4rem 1rem;"
         "margin-right:.5rem}")


def origin(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL (for a CSP source expression)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_csp(*form_targets: str) -> str:
    targets = " ".join(dict.fromkeys(origin(t) for t in form_targets if t))
    return ("default-src 'none'; style-src 'unsafe-inline'; "
            f"form-action 'self'{' ' + targets if targets else ''}; "
            "frame-ancestors 'none'; base-uri 'none'")


def html_page(title: str, body: str, *, form_targets: tuple[str, ...] = (),
              status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    document = (f'<!doctype html>\n<html lang="nl"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
                f"<body>{body}</body></html>")
    return HTMLResponse(document, status_code=status, headers={
        **(headers or {}), "Content-Security-Policy": page_csp(*form_targets)})


def dutch_time(unix_s: int) -> str:
    """`6 december 2026 14:05` in Amsterdam time."""
    moment = datetime.fromtimestamp(unix_s, TIMEZONE)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"


def consent(*, app_label: str, apparaat_naam: str, manager_naam: str, action: str,
            form_token: str, form_targets: tuple[str, ...]) -> HTMLResponse:
    body = f"""<h1>Inloggen bij {escape(manager_naam)}</h1>
<p>U logt in voor de app <strong>{escape(app_label)}</strong>
op het apparaat <strong>{escape(apparaat_naam)}</strong>.</p>
<p class="let-op"><strong>Ga alleen verder als u zelf zojuist op dit apparaat in deze app
op Inloggen heeft gedrukt.</strong> Heeft iemand u deze link gestuurd, of kent u de app of
het apparaat niet? Kies dan Annuleren.</p>
<form method="post" action="{escape(action)}">
<input type="hidden" name="formulier_token" value="{escape(form_token)}">
<button type="submit" name="keuze" value="doorgaan">Doorgaan naar inloggen</button>
<button type="submit" name="keuze" value="annuleren">Annuleren</button>
</form>"""
    return html_page("Inloggen voor een app", body, form_targets=form_targets)


def citizen_start(*, manager_naam: str, action: str,
                  form_targets: tuple[str, ...]) -> HTMLResponse:
    body = f"""<h1>Uw app-certificaten bij {escape(manager_naam)}</h1>
<p>Hier ziet u welke apps met uw inlog een certificaat kregen, en kunt u ze allemaal
intrekken: bijvoorbeeld als uw telefoon kwijt of gestolen is. Daarvoor logt u eerst opnieuw
in.</p>
<form method="post" action="{escape(action)}">
<button type="submit">Inloggen en mijn certificaten bekijken</button>
</form>"""
    return html_page("Uw app-certificaten", body, form_targets=form_targets)


def certificates(rows: list[IssuedCertificate], *, manager_naam: str, action: str,
                 form_token: str, revoked_now: int | None) -> HTMLResponse:
    lines = "\n".join(
        f"<tr><td>{escape(dutch_time(c.issued_at))}</td><td>{escape(dutch_time(c.expires_at))}"
        f"</td><td>{escape(c.app_naam)}</td><td>{escape(c.apparaat_naam)}</td>"
        f"<td>{escape(c.identiteitsdienst)}</td><td>{escape(c.niveau)}</td>"
        f"<td>{escape(STATUS_LABELS[c.status])}</td></tr>" for c in rows)
    table = (f"<table><thead><tr><th>Uitgegeven</th><th>Verloopt</th><th>App</th>"
             f"<th>Apparaat</th><th>Inlogdienst</th><th>Niveau</th><th>Status</th></tr>"
             f"</thead><tbody>{lines}</tbody></table>" if rows
             else "<p>Er zijn geen certificaten voor u uitgegeven.</p>")
    notice = ("" if revoked_now is None else
              f'<p class="let-op">{revoked_now} '
              f'{"certificaat" if revoked_now == 1 else "certificaten"} ingetrokken. '
              "Binnen een kwartier weigert elke organisatie ze.</p>")
    body = f"""<h1>Uw app-certificaten bij {escape(manager_naam)}</h1>{notice}
{table}
<form method="post" action="{escape(action)}">
<input type="hidden" name="formulier_token" value="{escape(form_token)}">
<p>Alle geldige certificaten intrekken: elke app moet daarna opnieuw inloggen.</p>
<button type="submit">Alles intrekken</button>
</form>"""
    return html_page("Uw app-certificaten", body)


def continue_to(target: str) -> HTMLResponse:
    """A page with one link: a browser arriving from another site (the identity provider)
    does not send the `SameSite=Strict` cookie; following a link on our own page does."""
    body = (f'<h1>U bent ingelogd</h1><p><a href="{escape(target)}">'
            "Ga verder naar uw certificaten</a></p>")
    return html_page("Ingelogd", body)

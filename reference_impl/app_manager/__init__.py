"""The App Manager: registers an app's key, logs the citizen in, issues app certificates,
and lets the citizen revoke them (standard 2.0.0, design §4–§5).

- `login`: the login protocol — registration (`redirects`: the redirect_uri rules;
  `ratelimit`), the consent page, the identity provider's return, the certificate (PKCE,
  one-time `inlogcode`); `registrations` and `logins` keep its state in the database
  (`tables`, `migrations/`).
- `citizen`: the citizen's own pages (`/burger`): a fresh login, the list of their
  certificates, revoking all of them; `pages` renders every HTML page.
- `identity`: the `IdentityProvider` interface; `oidc`: a real OpenID Connect provider;
  `simulator`: the test identity provider (refused in `productie`).
- `certificates`: proof of possession and issuing the `app-certificaat+jwt`; `ledger`: issued
  and revoked certificates; `revocation`: revocation requests and the signed list.
- `protection`: no BSN in clear at rest (`bsn_sleutel`, the login result sealed under its
  code); `web`: what handlers share; `app`: the HTTP interface `/app-manager/v2`; `config`.
"""

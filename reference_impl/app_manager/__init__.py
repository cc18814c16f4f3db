"""The App Manager: registers an app's key, logs the citizen in, issues app certificates.

- `registrations`: registrations (key, challenge, login state) and issued certificates,
  in the database (`tables`, `migrations/`).
- `identity`: the `IdentityProvider` interface; `oidc`: a real OpenID Connect provider
  (authorization-code flow); `simulator`: the test identity provider (a DigiD simulator,
  refused in `productie`).
- `certificates`: proof of possession (`certificaat-aanvraag+jwt`) and issuing the
  `app-certificaat+jwt`; `revocation`: revocation requests and the signed revocation list.
- `app`: the HTTP interface `/app-manager/v1` (spec/openapi/app-manager.yaml); `config`.
"""

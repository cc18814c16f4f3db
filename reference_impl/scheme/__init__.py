"""The scheme operator (stelselbeheerder): signs and serves the scheme document.

- `description`: the operator's description of the scheme (organisations, App Managers,
  revoked certificates, environment, lifetime) → the claims of a `stelsel-v2+jwt`.
- `key_entries`: the description's keys with their signing windows.
- `signing`: the operator key pair and signing a document (`vorderingen stelsel onderteken`).
- `revocations`: pulling and verifying the App Managers' signed revocation lists.
- `service`: the current signed document, re-signed before expiry and on new revocations.
- `app`: the HTTP service `GET /stelsel/v2/stelseldocument` (and its `openapi.json`);
  `config`: its configuration.
"""

"""Building blocks shared by the reference actors (scheme, App Manager, source, app).

Nothing here knows about one actor: the standard's versions (`versions`) and constants
(`constants`), JOSE tokens (`jose`), per-request proofs (`request_proof`), signed claims
documents (`envelope`, `document`), the scheme document, format 2 (`scheme`), problem
documents and HTTP conventions (`problems`, `http`), the database (`db`), locating the
standard's files (`spec`) and the exception tree (`errors`).
"""

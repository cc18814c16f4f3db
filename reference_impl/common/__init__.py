"""Building blocks shared by the reference actors (scheme, App Manager, source, app).

Nothing here knows about one actor: JOSE tokens (`jose`), signed claims documents
(`envelope`, `document`), the scheme document (`scheme`), problem documents and HTTP
conventions (`problems`, `http`), the database (`db`), locating the standard's files
(`spec`) and the exception tree (`errors`).
"""

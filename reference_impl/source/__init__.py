"""The reference source organisation (bronorganisatie) of the Vorderingen API.

One Starlette app (`app.create_app(config)`) serving `/vorderingen/v2`: configuration,
challenge–response sessions, the signed claims overview, arrangements (with their lifecycle,
amendment and two-phase reservations), pauses and help requests. The organisation's data
comes from a `backend.ClaimsBackend`; everything the source itself decides (nonces, sessions,
quotes, arrangements, reservations, pauses, help requests) lives in its own database, so any
number of stateless processes can serve it.
"""

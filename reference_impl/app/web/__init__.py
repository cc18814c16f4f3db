"""The browser version of the reference app: static files plus a tiny loopback server."""

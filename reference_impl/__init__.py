"""Reference implementation of the Vorderingen API actors: scheme, App Manager, source, app."""

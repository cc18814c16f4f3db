"""Alembic environment of the App Manager database: see reference_impl.common.db."""

from reference_impl.common.db import run_migrations_online

run_migrations_online()

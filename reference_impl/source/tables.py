"""The source's own database tables (SQLAlchemy Core; the schema is made by migrations/).

Times are integer Unix seconds (`*_at`), calendar dates ISO strings; both mean the same on
SQLite and PostgreSQL. Unique constraints carry the concurrency guarantees: a nonce is
consumed by one UPDATE, a request-proof jti is accepted by one INSERT per session, one
quote yields at most one arrangement (`voorstel_id` unique), one Idempotency-Key per
citizen yields one arrangement, a case is in at most one active arrangement or live
reservation (`regeling_zaken` primary key) and under at most one active pause
(`pauze_zaken`), one reservation yields at most one arrangement (`reservering_id` unique).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

nonces = sa.Table(
    "nonces",
    metadata,
    sa.Column("nonce", sa.String(43), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False),
    sa.Column("niveau", sa.String(16), nullable=False),
    sa.Column("certificaat_jti", sa.String(36), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("ended_at", sa.BigInteger, nullable=True),
    # 2.0.0 (migration 0002): null only on rows the migration ended.
    sa.Column("certificaat_exp", sa.BigInteger, nullable=True),
    sa.Column("sleutel_thumbprint", sa.String(43), nullable=True),
    sa.Column("sleutel_jwk", sa.JSON, nullable=True),
)

# Accepted request-proof jtis per session (keyed by the session's token hash), kept until
# the proof could no longer be fresh; the primary key makes "seen before?" one INSERT.
verzoekbewijzen = sa.Table(
    "verzoekbewijzen",
    metadata,
    sa.Column("sessie", sa.String(64), primary_key=True),
    sa.Column("jti", sa.String(36), primary_key=True),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
)

zaken = sa.Table(
    "zaken",
    metadata,
    sa.Column("bsn", sa.String(9), primary_key=True),
    sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
    sa.Column("volgorde", sa.Integer, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
)

voorstellen = sa.Table(
    "voorstellen",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False, index=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("saldi", sa.JSON, nullable=False),
)

betalingsregelingen = sa.Table(
    "betalingsregelingen",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False, index=True),
    sa.Column("voorstel_id", sa.String(36), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("aangegaan_at", sa.BigInteger, nullable=False),
    sa.Column("bedenktijd_tot_at", sa.BigInteger, nullable=False),
    sa.Column("ingetrokken_at", sa.BigInteger, nullable=True),
    # 2.2 (migration 0004): how it ended ({reden, datum, toelichting?}) once `beeindigd`,
    # the amendment chain, the reservation it was confirmed from and its group
    # ({id, omvang, bevestigd_at, annuleerbaar_tot_at}).
    sa.Column("beeindiging", sa.JSON, nullable=True),
    sa.Column("vervangt", sa.String(36), nullable=True),
    sa.Column("vervangen_door", sa.String(36), nullable=True),
    sa.Column("reservering_id", sa.String(36), nullable=True),
    sa.Column("groep", sa.JSON, nullable=True),
    sa.UniqueConstraint("bsn", "idempotency_key", name="uq_regeling_idempotency"),
    sa.Index("uq_regeling_reservering", "reservering_id", unique=True),
)

reserveringen = sa.Table(
    "reserveringen",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False, index=True),
    sa.Column("voorstel_id", sa.String(36), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("groep_id", sa.String(36), nullable=False),
    sa.Column("groep_omvang", sa.Integer, nullable=False),
    # gereserveerd, bevestigd or geannuleerd; `vervallen` is never stored: a reservation
    # still `gereserveerd` after `vervalt_at` is vervallen by itself.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("gereserveerd_at", sa.BigInteger, nullable=False),
    sa.Column("vervalt_at", sa.BigInteger, nullable=False),
    sa.Column("betalingsregeling_id", sa.String(36), nullable=True),
    sa.UniqueConstraint("bsn", "idempotency_key", name="uq_reservering_idempotency"),
)

# One row per case held: by an active arrangement (`betalingsregeling_id`), by a live
# reservation (`reservering_id`, until `vervalt_at`), or by both (a reservation of an
# amendment of that arrangement). A reservation's mark past `vervalt_at` no longer holds.
regeling_zaken = sa.Table(
    "regeling_zaken",
    metadata,
    sa.Column("bsn", sa.String(9), primary_key=True),
    sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
    sa.Column(
        "betalingsregeling_id",
        sa.String(36),
        sa.ForeignKey("betalingsregelingen.id"),
        nullable=True,
        index=True,
    ),
    sa.Column("reservering_id", sa.String(36), sa.ForeignKey("reserveringen.id"),
              nullable=True, index=True),
    sa.Column("vervalt_at", sa.BigInteger, nullable=True),
)

pauzes = sa.Table(
    "pauzes",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("ingangsdatum", sa.String(10), nullable=False),
    sa.Column("einddatum", sa.String(10), nullable=False),
    sa.Column("zaakkenmerken", sa.JSON, nullable=False),
    sa.Column("aangemaakt_at", sa.BigInteger, nullable=False),
    sa.Column("beeindigd_at", sa.BigInteger, nullable=True),
    # 2.2 (migration 0004): the citizen's pauses numbered, so two requests that checked the
    # pause limits against the same history cannot both be stored.
    sa.Column("volgnummer", sa.Integer, nullable=True),
    sa.Index("uq_pauze_volgnummer", "bsn", "volgnummer", unique=True),
)

# One row per case under a pause that has not ended early; the primary key makes "one
# active pause per case" hold under concurrency. A row whose `einddatum` has passed no
# longer holds: it is deleted by the next pause request of that citizen (migration 0003).
pauze_zaken = sa.Table(
    "pauze_zaken",
    metadata,
    sa.Column("bsn", sa.String(9), primary_key=True),
    sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
    sa.Column("pauze_id", sa.String(36), sa.ForeignKey("pauzes.id"), nullable=False,
              index=True),
    sa.Column("einddatum", sa.String(10), nullable=False),
)

hulpvragen = sa.Table(
    "hulpvragen",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False, index=True),
    sa.Column("ontvangen_at", sa.BigInteger, nullable=False),
    sa.Column("aantal_enveloppen", sa.Integer, nullable=False),
    sa.Column("bundel", sa.JSON, nullable=False),
    sa.Column("contact", sa.JSON, nullable=True),
    sa.Column("toelichting", sa.Text, nullable=True),
)

# Per citizen a counter every write to a table the claims document is read from raises
# (triggers, migration 0005; the empty BSN counts a PostgreSQL TRUNCATE, which touches all).
# The signed-overview cache is keyed by it (signed_cache.py).
burger_versies = sa.Table(
    "burger_versies",
    metadata,
    sa.Column("bsn", sa.String(9), primary_key=True),
    sa.Column("versie", sa.BigInteger, nullable=False),
)

#!/bin/sh
# Pre-deployment script 003: payin v3 writes its events to a new table. Expand-only: the version
# before never reads it, so a rollback leaves it in place and there is nothing to undo. Idempotent.
set -eu

SQL='CREATE TABLE IF NOT EXISTS payin_events (id bigserial PRIMARY KEY, payin_id text NOT NULL, kind text NOT NULL, at timestamptz NOT NULL DEFAULT now());'

if [ -n "${PAYMENTS_DATABASE_URL:-}" ]; then
    psql "$PAYMENTS_DATABASE_URL" -v ON_ERROR_STOP=1 --quiet -c "$SQL"
else
    mkdir -p db
    grep -qF "$SQL" db/schema.sql 2>/dev/null || printf '%s\n' "$SQL" >> db/schema.sql
fi
echo "003-payin-events-table applied for ${RAILYARD_ROLLOUT:-manual run}"

#!/bin/sh
# Undoes 001: drops the fee column. Railyard runs it when a rollout that applied 001 rolls back,
# after traffic is back on the old version and the new instances are stopped. Idempotent.
set -eu

APPLIED='ALTER TABLE payins ADD COLUMN IF NOT EXISTS fee_minor BIGINT NOT NULL DEFAULT 0;'
SQL='ALTER TABLE payins DROP COLUMN IF EXISTS fee_minor;'

if [ -n "${PAYMENTS_DATABASE_URL:-}" ]; then
    psql "$PAYMENTS_DATABASE_URL" -v ON_ERROR_STOP=1 --quiet -c "$SQL"
else
    mkdir -p db
    touch db/schema.sql
    grep -vF "$APPLIED" db/schema.sql > db/schema.sql.tmp || true
    mv db/schema.sql.tmp db/schema.sql
fi
echo "001-payin-fee-column rolled back for ${RAILYARD_ROLLOUT:-manual run}"

#!/bin/sh
# Undoes 002: drops the index, again without locking payouts. Idempotent.
set -eu

APPLIED='CREATE INDEX CONCURRENTLY IF NOT EXISTS payouts_beneficiary_idx ON payouts (beneficiary_id);'
SQL='DROP INDEX CONCURRENTLY IF EXISTS payouts_beneficiary_idx;'

if [ -n "${PAYMENTS_DATABASE_URL:-}" ]; then
    psql "$PAYMENTS_DATABASE_URL" -v ON_ERROR_STOP=1 --quiet -c "$SQL"
else
    mkdir -p db
    touch db/schema.sql
    grep -vF "$APPLIED" db/schema.sql > db/schema.sql.tmp || true
    mv db/schema.sql.tmp db/schema.sql
fi
echo "002-payout-beneficiary-index rolled back for ${RAILYARD_ROLLOUT:-manual run}"

#!/bin/sh
# Pre-deployment script 002: payout v2 looks payouts up by beneficiary. The index is built
# CONCURRENTLY so the payouts table keeps taking writes while it builds (it cannot run inside a
# transaction, hence one statement per psql call). Idempotent.
set -eu

SQL='CREATE INDEX CONCURRENTLY IF NOT EXISTS payouts_beneficiary_idx ON payouts (beneficiary_id);'

if [ -n "${PAYMENTS_DATABASE_URL:-}" ]; then
    psql "$PAYMENTS_DATABASE_URL" -v ON_ERROR_STOP=1 --quiet -c "$SQL"
else
    mkdir -p db
    grep -qF "$SQL" db/schema.sql 2>/dev/null || printf '%s\n' "$SQL" >> db/schema.sql
fi
echo "002-payout-beneficiary-index applied for ${RAILYARD_ROLLOUT:-manual run}"

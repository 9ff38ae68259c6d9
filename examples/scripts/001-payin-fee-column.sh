#!/bin/sh
# Pre-deployment script 001: payin v2 reads a fee per pay-in, so the column must exist before the
# new code runs anywhere. Backward-compatible: v1 ignores the column (it has a default).
# Idempotent: Railyard may run it again after a restart.
#
# Railyard runs it with /bin/sh from this folder and sets RAILYARD_ROLLOUT, RAILYARD_SERVICE and
# RAILYARD_VERSION. With PAYMENTS_DATABASE_URL set it changes that database through psql; without
# it, it appends the statement to db/schema.sql here (a dry run you can read).
set -eu

SQL='ALTER TABLE payins ADD COLUMN IF NOT EXISTS fee_minor BIGINT NOT NULL DEFAULT 0;'

if [ -n "${PAYMENTS_DATABASE_URL:-}" ]; then
    psql "$PAYMENTS_DATABASE_URL" -v ON_ERROR_STOP=1 --quiet -c "$SQL"
else
    mkdir -p db
    grep -qF "$SQL" db/schema.sql 2>/dev/null || printf '%s\n' "$SQL" >> db/schema.sql
fi
echo "001-payin-fee-column applied for ${RAILYARD_ROLLOUT:-manual run}"

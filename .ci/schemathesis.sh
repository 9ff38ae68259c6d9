#!/usr/bin/env bash
# Schemathesis (from PyPI) against docs/openapi.yaml and a real `railyard serve` on a small fleet:
# no 5xx, no answer outside the schema, no schema-violating request accepted, 405 for undeclared
# methods. One pass per role that matters: admin over every operation, release-owner over the
# rollout operations, approver over approvals. fleet/down is left out: it stops the server under test.
# Size with SCHEMATHESIS_EXAMPLES (examples per operation; 50 in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${SCHEMATHESIS_EXAMPLES:-50}"
venv=.build/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis==4.32.5
fi
bin="$(swift build --show-bin-path)/railyard"
work="$(mktemp -d /tmp/railyard-schemathesis.XXXXXX)"
cat > "$work/railyard.yml" <<YAML
services:
  payin:
    kind: microservice
    command: "'$bin' payments-demo --service payin --version {version} --port {port}"
    version: v1
    health: /health
    metrics: /metrics
    instances: { staging: 1, dc1: 1 }
environments:
  - name: staging
  - name: production
    datacenters: [dc1]
deployment:
  waves:
    - name: staging
      target: staging
      steps: [deploy, promote]
    - name: canary
      target: dc1
      steps: [deploy, setWeight: 10, pause: approval, promote]
YAML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$bin" serve --config "$work/railyard.yml" --state-dir "$work/state" --port "$port" > "$work/serve.log" 2>&1 &
serve=$!
stop() {
  RAILYARD_TOKEN="$(cat "$work/state/admin.token" 2>/dev/null || true)" "$bin" down --server "$url" --config "$work/railyard.yml" \
    --state-dir "$work/state" > /dev/null 2>&1 || kill "$serve" 2> /dev/null || true
  wait "$serve" 2> /dev/null || true
}
trap stop EXIT
for _ in $(seq 1 200); do
  curl -sf "$url/api/v1/health" > /dev/null && break
  sleep 0.1
done
admin="$(cat "$work/state/admin.token")"
export RAILYARD_TOKEN="$admin"
"$bin" up --server "$url" > /dev/null
token() { "$bin" token create --name "$1" --role "$2" --expires 1h --output json --server "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
owner="$(token schemathesis-owner release-owner)"
approver="$(token schemathesis-approver approver)"

run() {
  local token="$1"; shift
  "$venv/bin/schemathesis" run docs/openapi.yaml --url "$url" -H "Authorization: Bearer $token" \
    --checks all --max-examples "$examples" --seed 48 --exclude-operation-id fleetDown \
    --request-timeout 30 --no-color "$@"
}
failed=0
echo "schemathesis as admin, every operation but fleet/down"
run "$admin" || failed=1
echo "schemathesis as release-owner: rollouts"
run "$owner" --include-operation-id createRollout --include-operation-id abortRollout || failed=1
echo "schemathesis as approver: approvals"
run "$approver" --include-operation-id approveRollout || failed=1
exit "$failed"

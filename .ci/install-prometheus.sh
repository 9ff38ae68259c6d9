#!/usr/bin/env bash
# Installs Debian's Prometheus and Alertmanager when missing: the Prometheus source and Alertmanager notifier
# tests start their own instances of them (temp config, temp storage, free loopback ports) and stop them.
# Idempotent and quiet. The tests do not use the packaged services (on a host with systemd, Debian's postinst
# may start them on :9090 and :9093; the tests use their own ports).
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
if have prometheus && { have prometheus-alertmanager || have alertmanager; }; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
have prometheus || { echo "prometheus is still missing after apt-get install" >&2; exit 1; }
have prometheus-alertmanager || have alertmanager || { echo "alertmanager is still missing after apt-get install" >&2; exit 1; }

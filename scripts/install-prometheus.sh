#!/usr/bin/env bash
# Installs promtool and the Prometheus server from the distribution's `prometheus` package, which
# the rule tests (promtool check/test rules, check metrics) and the real-Prometheus integration
# test need. Idempotent: with promtool and prometheus on PATH it prints their versions and exits.
# Needs root (or sudo) and apt; the package's own service is never started by the tests.
set -euo pipefail

log() { printf '[install-prometheus] %s\n' "$*" >&2; }

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  promtool --version 2>&1 | head -n1
  exit 0
fi

command -v apt-get >/dev/null || { log "apt-get not found: install Prometheus (promtool and prometheus >= 2.42) with your package manager"; exit 2; }
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "not root and no sudo: run 'apt-get install -y --no-install-recommends prometheus' as root"; exit 2; }
  sudo=(sudo)
fi

log "promtool missing: apt-get install prometheus"
export DEBIAN_FRONTEND=noninteractive
# A fresh image may have no package lists yet.
if ! apt-cache show prometheus >/dev/null 2>&1; then "${sudo[@]}" apt-get update -qq; fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2
promtool --version 2>&1 | head -n1

#!/usr/bin/env bash
# A bounded mixed load on `registry serve` (#12): downloads (digest
# checked), listings, searches and publishes at once for DURATION seconds
# with WORKERS concurrent clients on loopback, the server's memory sampled
# every second; fails on an answer other than the expected (409 for a
# duplicate publish, 429 from a rate limit) and on a lost or doubled
# version. Prints the markdown table recorded in benches/README.md.
#
#   benches/load/mixed.sh [DURATION] [WORKERS]   (default 60 32)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
duration="${1:-60}"; workers="${2:-32}"
modules=20; versions=20
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$root"
cargo build -q --release -p registry-cli -p registry-benches
bin="$root/target/release"
"$bin/seed" "$work/data" "$modules" "$versions" >&2
token="$("$bin/registry" token create --data-dir "$work/data" --namespace load --role publisher | head -1)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$bin/registry" serve --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --rate-limit-writes 1200/min >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
"$bin/mixed-load" "http://127.0.0.1:$port" "$token" "$pid" "$duration" "$workers" "$modules" "$versions"

#!/usr/bin/env bash
# Scale of one node (issue 17): seeding, cold reads, search and memory at a
# catalogue's size, on the embedded default.
#
#   benches/load/scale.sh [MODULES] [VERSIONS_PER_MODULE] [DURATION]
#
# Seeds MODULES x VERSIONS_PER_MODULE versions (default 1000 x 100 =
# 100,000) through the real publish pipeline into a fresh data directory
# (publishes/s and the size on disk, by part), then starts the release
# `registry serve` with the in-process cache off (`--memory-cache-mb 0`,
# so every answer comes from the store) three ways and records how long
# it takes to listen: with no search index (a rebuild), with the index it
# left (a catch-up), and again. Under load (wrk --latency, DURATION each):
# cold `/versions` at -c32 and -c64, and search (a name, and a word from
# every README). Last, the server's anonymous memory (RssAnon:
# heap, not the memory-mapped index) and its peak. Prints markdown.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
modules="${1:-1000}"; versions="${2:-100}"; duration="${3:-10s}"
work="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
cd "$root"
cargo build -q --release -p registry-cli -p registry-benches
bin="$root/target/release"
echo "seeding $modules x $versions versions..." >&2
seeded=$("$bin/seed" "$work/data" "$modules" "$versions")
echo "$seeded" >&2

source "$root/benches/load/lib.sh"
start_server() { # -> seconds until the server listens
  port=$(free_port)
  local t0; t0=$(date +%s.%N)
  "$bin/registry" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --memory-cache-mb 0 >"$work/serve.log" 2>&1 &
  server_pid=$!
  wait_port "$port" 1800
  python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')"
}
size() { du -sh "$1" 2>/dev/null | cut -f1; }

echo
echo "## $((modules * versions)) versions ($modules modules x $versions), $(date -u +%F)"
echo
echo "$seeded"
echo
echo "| on disk | size |"
echo "|---|---|"
echo "| metadata (registry.db*) | $(du -ch "$work"/data/registry.db* | tail -1 | cut -f1) |"
echo "| archives | $(size "$work/data/blobs") |"
rm -rf "$work/data/search"
rebuild=$(start_server)
echo "| search index | $(size "$work/data/search") |"
stop_server
catchup=$(start_server); stop_server
catchup2=$(start_server)
echo
echo "| start-up | seconds to listen |"
echo "|---|---|"
echo "| no search index (rebuilt from the store) | $rebuild |"
echo "| index left by the last run (caught up) | $catchup |"
echo "| again | $catchup2 |"

base="http://127.0.0.1:$port/v1/modules"
mod="load/mod$((modules / 2))/null"
echo
echo "| request (cache off) | wrk | req/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for req in "/$mod/versions" "/search?q=mod$((modules / 3))" "/search?q=generated&limit=10"; do
  curl -sf -o /dev/null "$base$req"
  for tc in "1 32" "2 64"; do
    set -- $tc
    read -r r p50 p99 <<<"$(run_wrk "$base$req" "$1" "$2")"
    echo "| \`$req\` | -t$1 -c$2 | $r | $p50 | $p99 |"
  done
done
anon=$(awk '/RssAnon/{print $2}' "/proc/$server_pid/status")
rss=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status")
hwm=$(awk '/VmHWM/{print $2}' "/proc/$server_pid/status")
stop_server
echo
echo "server memory after the runs: RssAnon $((anon / 1024)) MiB, RSS $((rss / 1024)) MiB (the rest is the mapped index and database), peak $((hwm / 1024)) MiB"

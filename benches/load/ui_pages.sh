#!/usr/bin/env bash
# Server time and weight of the web UI's pages at a catalogue's size.
#
#   benches/load/ui_pages.sh [MODULES] [VERSIONS_PER_MODULE] [ROUNDS]
#
# Seeds MODULES x VERSIONS_PER_MODULE versions (default 1000 x 100 =
# 100,000) through the real publish pipeline into a fresh data directory,
# starts the release `registry serve` over plain HTTP, and requests each
# page ROUNDS times (default 50) with curl, after one request to warm it;
# then again with the in-process cache off (`--memory-cache-mb 0`).
# Prints a markdown table: median and p99 of the time to the last byte on
# the loopback (the server's time plus a few tens of microseconds), and the
# bytes transferred (the page itself: stylesheet and script are cached
# static files; README images are not counted, as the target says).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
modules="${1:-1000}"; versions="${2:-100}"; rounds="${3:-50}"
work="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cd "$root"
cargo build -q --release -p registry-cli -p registry-benches
bin="$root/target/release"
echo "seeding $modules x $versions versions..." >&2
"$bin/seed" "$work/data" "$modules" "$versions" >&2

source "$root/benches/load/lib.sh"
start_server() { # $1 = extra flags
  port=$(free_port)
  # shellcheck disable=SC2086
  "$bin/registry" serve --data-dir "$work/data" --listen "127.0.0.1:$port" $1 >/dev/null 2>&1 &
  server_pid=$!
  wait_port "$port"
}

mod="load/mod$((modules / 2))/null"
ver="1.0.$((versions / 2))"
pages=(
  "/"
  "/search?q=mod$((modules / 2))"
  "/modules/load"
  "/modules/$mod"
  "/modules/$mod/$ver"
  "/modules/$mod/$ver?tab=inputs"
  "/modules/$mod/$ver?tab=usage"
  "/modules/$mod/$ver?tab=versions"
  "/modules/$mod/$ver?tab=integrity"
  "/modules/$mod/$ver?tab=used-by"
  "/modules/$mod/diff/1.0.0...$ver"
)

measure() { # $1 label
  for p in "${pages[@]}"; do
    url="http://127.0.0.1:$port$p"
    curl -sf -o /dev/null "$url"
    : > "$work/times"
    for _ in $(seq 1 "$rounds"); do
      curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$url" >> "$work/times"
    done
    sort -n "$work/times" | awk -v label="$1" -v page="$p" '
      { t[NR] = $1 * 1000; size = $2 }
      END {
        p50 = t[int((NR + 1) / 2)]; p99 = t[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
        printf "| `%s` | %s | %.2f ms | %.2f ms | %.1f KB |\n", page, label, p50, p99, size / 1024
      }'
  done
}

echo
echo "| page | cache | p50 | p99 | size |"
echo "|---|---|---|---|---|"
start_server ""
measure "warm"
rss=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status")
stop_server
start_server "--memory-cache-mb 0"
measure "off"
stop_server
echo
echo "server RSS with $((modules * versions)) versions after the warm runs: $((rss / 1024)) MiB"

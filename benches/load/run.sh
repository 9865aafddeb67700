#!/usr/bin/env bash
# HTTP load test of `registry serve` against nginx serving the same bytes.
#
#   benches/load/run.sh [MODULES] [VERSIONS_PER_MODULE] [DURATION]
#
# Seeds MODULES x VERSIONS_PER_MODULE versions (default 100 x 100 = 10,000)
# into a fresh data directory, starts the release server over plain HTTP
# with anonymous reads and default settings, and runs wrk (-t1 -c32 and
# -t2 -c64, --latency) against the versions and download endpoints, warm
# and with the in-process cache disabled ("cold"). nginx serves the same
# response bytes as static files on the same machine in the same run. Prints
# a markdown table and the server's resident memory. Needs wrk and nginx
# (Debian packages `wrk`, `nginx-light`; installed if missing and root).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
modules="${1:-100}"; versions="${2:-100}"; duration="${3:-15s}"
work="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get install -y -q wrk nginx-light >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk nginx-light >/dev/null; }
fi

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
versions_path="/v1/modules/$mod/versions"
download_path="/v1/modules/$mod/$ver/download"

# nginx: the same bytes as static files.
mkdir -p "$work/www/v1/modules/$mod/$ver"
start_server ""
curl -sf "http://127.0.0.1:$port$versions_path" > "$work/www$versions_path"
loc=$(curl -sf -o /dev/null -D - "http://127.0.0.1:$port$download_path" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-terraform-get"{print $2}')
nport=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location = $download_path { add_header X-Terraform-Get "$loc"; return 204; }
  }
}
CONF
nginx -c "$work/nginx.conf"
wait_port "$nport"

echo
echo "| endpoint | wrk | registry req/s | p50 | p99 | nginx req/s | nginx p99 | ratio |"
echo "|---|---|---|---|---|---|---|---|"
measure() { # $1 label, $2 path
  for tc in "1 32" "2 64"; do
    set -- "$1" "$2" $tc
    curl -sf -o /dev/null "http://127.0.0.1:$port$2" || true   # warm the cache
    read -r r p50 p99 <<<"$(run_wrk "http://127.0.0.1:$port$2" "$3" "$4")"
    read -r nr _ np99 <<<"$(run_wrk "http://127.0.0.1:$nport$2" "$3" "$4")"
    ratio=$(python3 -c "print(f'{$r/$nr:.2f}')")
    echo "| $1 | -t$3 -c$4 | $r | $p50 | $p99 | $nr | $np99 | $ratio |"
  done
}
measure "versions (warm)" "$versions_path"
measure "download (warm)" "$download_path"
rss_warm=$(awk '/VmRSS/{print $2}' "/proc/$server_pid/status"); hwm_warm=$(awk '/VmHWM/{print $2}' "/proc/$server_pid/status")
stop_server

start_server "--memory-cache-mb 0"
measure "versions (no cache)" "$versions_path"
measure "download (no cache)" "$download_path"
stop_server

echo
echo "server memory with $((modules * versions)) versions after the warm runs: RSS $((rss_warm / 1024)) MiB, peak $((hwm_warm / 1024)) MiB"

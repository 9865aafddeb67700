#!/usr/bin/env bash
# Property-based API testing with schemathesis (PyPI) against /openapi.json
# of a live server built by the test run (target/debug/registry): a bounded
# number of examples per operation, with an admin token and without, rate
# limits off. Fails on a 5xx, or a status code, content type or body the
# description does not allow. The stateful phase is left out: the links it
# infers between unrelated operations (modules' `name` into providers'
# paths) are invalid, and it stops with an error before running any.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-30}"
python="${PYTHON:-python3}"
bin="target/debug/registry"
[ -x "$bin" ] || { echo "schemathesis: $bin is missing; build or test first" >&2; exit 1; }
"$python" -c 'import schemathesis' 2>/dev/null ||
  "$python" -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5' >&2
st=(env PYTHONWARNINGS=ignore "$python" -c 'from schemathesis.cli import schemathesis; schemathesis()')

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
token="$("$bin" token create --data-dir "$work/data" --namespace '*' --role admin | head -1)"
"$bin" publish acme/greeting/null 1.1.0 examples/modules/greeting/v1.1.0 --data-dir "$work/data" >/dev/null
"$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --rate-limit-reads off --rate-limit-writes off --rate-limit-auth-failures off \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
for who in admin anonymous; do
  echo "--- schemathesis, $examples examples per operation, $who"
  auth=()
  [ "$who" = admin ] && auth=(-H "Authorization: Bearer $token")
  if ! "${st[@]}" --config-file scripts/schemathesis/config.toml run \
      "http://127.0.0.1:$port/openapi.json" --max-examples "$examples" \
      --phases examples,coverage,fuzzing \
      --seed 1 -c "$checks" "${auth[@]}" >"$work/st-$who.log" 2>&1; then
    cat "$work/st-$who.log"
    echo "--- the server's log"; tail -n 50 "$work/serve.log"
    exit 1
  fi
  sed -n '/^Test cases:/,/^$/p' "$work/st-$who.log"
done

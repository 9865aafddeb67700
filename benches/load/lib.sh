# Shared by the load scripts: ports, waiting for a server, wrk's numbers.
# Source it after setting `duration` (wrk's -d) where run_wrk is used.

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Wait until 127.0.0.1:$1 accepts connections, for at most $2 seconds
# (default 30); fails after that.
wait_port() {
  local tries=$(( ${2:-30} * 20 ))
  for _ in $(seq 1 "$tries"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# wrk --latency against $1 with $2 threads and $3 connections for
# $duration: prints "req/s p50 p99".
run_wrk() {
  wrk -t"$2" -c"$3" -d"$duration" --latency "$1" 2>/dev/null | awk '
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=$2}
    /^ +99%/ {p99=$2}
    END {printf "%s %s %s", rps, p50, p99}'
}

# Stop the server started last ($server_pid) and wait for it.
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

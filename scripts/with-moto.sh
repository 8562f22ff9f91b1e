#!/usr/bin/env bash
# Runs a command next to a private moto server (the local DynamoDB the approval-aws integration tests use):
#   scripts/with-moto.sh cargo test -p approval-aws --test dynamo
# The server listens on a free loopback port, exported to the command as MOTO_ENDPOINT, logs to
# target/moto.log, and is stopped when the command ends (also on failure or Ctrl-C). Exits with the
# command's status. MOTO_VENV names the virtualenv holding moto_server (default .venv/moto: `make moto`).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MOTO_VENV:-$root/.venv/moto}"
moto_server="$venv/bin/moto_server"
if [[ ! -x "$moto_server" ]]; then
    echo "with-moto: $moto_server not found: run \`make moto\` (or set MOTO_VENV to a venv with moto[server])" >&2
    exit 2
fi

# A port the kernel just handed out and released: free unless another process grabs it in between.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
endpoint="http://127.0.0.1:$port"
mkdir -p "$root/target"
log="$root/target/moto.log"

"$moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!

stop_moto() {
    if kill -0 "$moto_pid" 2>/dev/null; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
    fi
}
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# moto is ready in about 1.5 s; anything answering HTTP on the port will do (its dashboard, /moto-api/).
deadline=$((SECONDS + 30))
until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' \
    "$endpoint" 2>/dev/null; do
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        echo "with-moto: moto_server exited before answering; end of $log:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "with-moto: moto_server did not answer on $endpoint within 30 s; end of $log:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    sleep 0.2
done

export MOTO_ENDPOINT="$endpoint"
status=0
"$@" || status=$?
exit "$status"

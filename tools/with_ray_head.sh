#!/usr/bin/env bash
# Run a command next to a real single-node Ray head: `tools/with_ray_head.sh VENV CMD...`.
# The head gets a free local port and its own temp folder, its address is exported as RAY_TEST_ADDRESS
# (tests/test_ray.py connects to it), and it is stopped when the command ends, whatever happens. Without
# Ray installed in VENV the command runs alone (the Ray tests then skip).
set -uo pipefail
VENV="$1"; shift
if ! "$VENV/bin/python" -c "import ray" 2>/dev/null; then
    exec "$@"
fi
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TMP="$(mktemp -d /tmp/rayci.XXXXXX)"
# --block keeps `ray start` in the foreground as the parent of the head's processes: stopping it stops
# exactly this head (never `ray stop`, which would stop every Ray on the machine)
RAY_AUTH_MODE=disabled RAY_USAGE_STATS_ENABLED=0 "$VENV/bin/ray" start --head --block --num-cpus 2 --port "$PORT" --node-ip-address 127.0.0.1 \
    --include-dashboard false --disable-usage-stats --temp-dir "$TMP" > "$TMP/head.log" 2>&1 &
HEAD=$!
stop() {
    kill -TERM "$HEAD" 2>/dev/null && wait "$HEAD" 2>/dev/null
    rm -rf "$TMP"
}
trap stop EXIT INT TERM
for _ in $(seq 1 120); do   # wait for the head to listen (at most 60 s)
    if "$VENV/bin/python" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; then break; fi
    kill -0 "$HEAD" 2>/dev/null || { echo "ray head failed to start:"; cat "$TMP/head.log"; exit 1; }
    sleep 0.5
done
export RAY_TEST_ADDRESS="127.0.0.1:$PORT"
echo "Ray head at $RAY_TEST_ADDRESS (stopped when the tests end)"
"$@"

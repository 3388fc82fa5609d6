# Sourced by the service benchmarks: starts `vtp serve` on a fresh data
# directory and learns its port.
#
#   start_serve NAME [serve flags...]
# needs VTP, DATA, WORK, WORKERS, THREADS; sets TOKEN (a creator key),
# SERVE_PID, PORT and BASE (http://127.0.0.1:PORT). Exits when the server does
# not come up.
start_serve() {
  local name=$1
  shift
  TOKEN=$("$VTP" keys create --data "$DATA" --creator bench 2>/dev/null)
  "$VTP" serve --data "$DATA" --listen 127.0.0.1:0 --workers "$WORKERS" --threads "$THREADS" "$@" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVE_PID=$!
  local port=
  for _ in $(seq 1 200); do
    port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$WORK/serve.out" | head -n1)
    [ -n "$port" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$name: the server did not report its port" >&2; exit 1; }
  PORT=$port
  BASE=http://127.0.0.1:$port
}

#!/usr/bin/env bash
# Scale-out tests (called by test.sh, after the build): Redis, two app instances sharing it,
# nginx round robin in front (all on 127.0.0.1). Playwright flows through nginx, one instance
# killed mid-flow, then 500 concurrent complete reset flows with the load generator. The
# app-wide ceilings are raised: the flows here send more than CODES_PER_HOUR's default 500
# codes within a minute (that ceiling has tests of its own), which failed a run once (499/500).
# Needs: MOTO (endpoint), POOL_JSON (pool made by scripts/moto.py), LOGS (a directory).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${MOTO:?}" "${POOL_JSON:?}" "${LOGS:?}"
FLOWS="${LOAD_FLOWS:-500}"
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true

SPIDS=()
scale_cleanup() { for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap scale_cleanup EXIT INT TERM

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$LOGS/redis.log" 2>&1 &
SPIDS+=("$!")
P_A=$(free_port); P_B=$(free_port); P_LB=$(free_port)
LB="http://127.0.0.1:$P_LB"

start_instance() { # port log
  env $(app_env "$POOL_JSON" public "$1") PUBLIC_ORIGIN="$LB" \
    AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true \
    SESSION_STORE="redis://127.0.0.1:$REDIS_PORT" SERVER_SECRET="scale-test-secret-scale-test-secret-0001" \
    TRUSTED_PROXIES=127.0.0.1 RATE_LIMIT_IP=1000000/15m RATE_LIMIT_GLOBAL=100000/1s \
    CODES_PER_HOUR=100000/1h \
    MAX_CONNECTIONS_PER_CLIENT=1024 \
    RESET_MIN_RESPONSE_MS=0 RUST_LOG=warn \
    "$ROOT/target/debug/server" >>"$2" 2>&1 &
  echo $!
}
PID_A=$(start_instance "$P_A" "$LOGS/scale-a.log"); SPIDS+=("$PID_A")
PID_B=$(start_instance "$P_B" "$LOGS/scale-b.log"); SPIDS+=("$PID_B")

NGX="$LOGS/nginx"; mkdir -p "$NGX/tmp"
cat >"$NGX/nginx.conf" <<NGINX
worker_processes 1;
worker_rlimit_nofile 16384;
error_log $NGX/error.log warn;
pid $NGX/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fcgi; uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  upstream app {
    # Round robin, no sticky sessions: any instance can serve any request.
    server 127.0.0.1:$P_A max_fails=1 fail_timeout=10s;
    server 127.0.0.1:$P_B max_fails=1 fail_timeout=10s;
    keepalive 128;
    # Idle upstream connections go before the app's own idle limit (HTTP_HEADER_TIMEOUT_SECS,
    # 10 s), so nginx never reuses one the app is closing.
    keepalive_timeout 5s;
  }
  server {
    listen 127.0.0.1:$P_LB;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
NGINX
nginx -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' >"$LOGS/nginx.out" 2>&1 &
SPIDS+=("$!")
for u in "http://127.0.0.1:$P_A/healthz" "http://127.0.0.1:$P_B/healthz" "$LB/healthz"; do wait_http "$u" 60; done
wait_http "http://127.0.0.1:$P_A/readyz" 30

POOL_ID=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['pool_id'])" "$POOL_JSON")
CLIENT_ID=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['public_client_id'])" "$POOL_JSON")

echo "==> Playwright through nginx: flows alternate instances; instance A killed mid-flow"
(
  cd end2end
  export E2E_MOTO="$MOTO" E2E_POOL="$POOL_ID" E2E_URL_LB="$LB" E2E_UPSTREAM_A="127.0.0.1:$P_A" \
    E2E_UPSTREAM_B="127.0.0.1:$P_B" E2E_PID_A="$PID_A" E2E_PID_B="$PID_B"
  npx playwright test scale.spec.ts --project=chromium-no-js --workers=1
  npx playwright test scale.spec.ts --project=chromium --workers=1
)

echo "==> restarting the killed instance"
alive() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz"; }
if ! alive "$P_A"; then PID_A=$(start_instance "$P_A" "$LOGS/scale-a.log"); SPIDS+=("$PID_A"); fi
if ! alive "$P_B"; then PID_B=$(start_instance "$P_B" "$LOGS/scale-b.log"); SPIDS+=("$PID_B"); fi
wait_http "http://127.0.0.1:$P_A/readyz" 60
wait_http "http://127.0.0.1:$P_B/readyz" 60
sleep 11 # nginx's fail_timeout: let it send traffic to the restarted instance again

echo "==> load: $FLOWS concurrent complete reset flows through nginx (two instances, Redis, moto)"
LOADGEN_REPORT="$LOGS/load.md" "$ROOT/target/debug/examples/loadgen" "$LB" "$MOTO" "$POOL_ID" "$CLIENT_ID" "$FLOWS"
A_REQ=$(curl -fsS "http://127.0.0.1:$P_A/metrics" | grep -c 'route="/api/reset/confirm"' || true)
B_REQ=$(curl -fsS "http://127.0.0.1:$P_B/metrics" | grep -c 'route="/api/reset/confirm"' || true)
if [ "$A_REQ" -eq 0 ] || [ "$B_REQ" -eq 0 ]; then
  echo "the load did not reach both instances (A: $A_REQ, B: $B_REQ series)" >&2; exit 1
fi
echo "both instances served confirmations"

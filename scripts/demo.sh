#!/usr/bin/env bash
# `make demo`: moto + a seeded user pool + the app, on 127.0.0.1. Ctrl-C stops everything.
set -euo pipefail
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/lib.sh"

MOTO_PORT="${MOTO_PORT:-5055}"
APP_PORT="${APP_PORT:-3000}"
DEMO_CLIENT="${DEMO_CLIENT:-public}"   # or "secret": the app client with a client secret
MOTO="http://127.0.0.1:$MOTO_PORT"

echo; echo "==> building the app"
build_site

echo; echo "==> starting moto on $MOTO"
MOTO_PID=$(start_moto "$MOTO_PORT" "$ROOT/.tools/moto-demo.log")
trap 'kill $MOTO_PID ${APP_PID:-} 2>/dev/null || true' EXIT INT TERM
wait_http "$MOTO/moto-api/" 30

echo "==> seeding the user pool"
# Second factors optional (DEMO_MFA=ON makes them required: then every user sets one up).
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$ROOT/.tools/demo-pool.json" --name demo --mfa "${DEMO_MFA:-OPTIONAL}" >/dev/null
POOL=$("$PY" -c "import json;print(json.load(open('$ROOT/.tools/demo-pool.json'))['pool_id'])")
export AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION="${POOL%%_*}" COGNITO_USER_POOL_ID="$POOL"
ADMIN="$ROOT/target/debug/server admin"
"$PY" scripts/moto.py --endpoint "$MOTO" user --pool "$POOL" alice --email alice@example.com
printf '%s' 'Demo-Passw0rd!' | $ADMIN set-password alice --permanent >/dev/null
$ADMIN verify alice --email >/dev/null
"$PY" scripts/moto.py --endpoint "$MOTO" user --pool "$POOL" tom --email tom@example.com
printf '%s' 'Temp-Passw0rd!' | $ADMIN set-password tom --temporary --stdin >/dev/null
"$PY" scripts/moto.py --endpoint "$MOTO" user --pool "$POOL" nina
printf '%s' 'Demo-Passw0rd!' | $ADMIN set-password nina --permanent >/dev/null
"$PY" scripts/moto.py --endpoint "$MOTO" user --pool "$POOL" maya --email maya@example.com
printf '%s' 'Demo-Passw0rd!' | $ADMIN set-password maya --permanent >/dev/null
PUBLIC_CLIENT=$("$PY" -c "import json;print(json.load(open('$ROOT/.tools/demo-pool.json'))['public_client_id'])")
if [ "${DEMO_MFA:-OPTIONAL}" = OPTIONAL ]; then
  "$PY" scripts/moto.py --endpoint "$MOTO" totp-user --client "$PUBLIC_CLIENT" maya 'Demo-Passw0rd!'
fi

echo "==> starting the app ($DEMO_CLIENT app client)"
env $(app_env "$ROOT/.tools/demo-pool.json" "$DEMO_CLIENT" "$APP_PORT") \
  AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \
  PRODUCT_NAME="${PRODUCT_NAME:-Example Corp account recovery}" LOG_FORMAT="${LOG_FORMAT:-text}" \
  "$ROOT/target/debug/server" &
APP_PID=$!
wait_http "http://127.0.0.1:$APP_PORT/healthz" 60

cat <<MSG

  The app:        http://127.0.0.1:$APP_PORT        (health: http://127.0.0.1:$APP_PORT/healthz)
  Cognito (moto): $MOTO   user pool $POOL

  Seeded users:
    alice   password Demo-Passw0rd!   CONFIRMED, verified email alice@example.com
    tom     password Temp-Passw0rd!   temporary password (FORCE_CHANGE_PASSWORD): sign in to set a new one
    nina    password Demo-Passw0rd!   CONFIRMED, no verified email or phone
    maya    password Demo-Passw0rd!   CONFIRMED, authenticator app set up: sign-in asks for its code
            (with DEMO_MFA=ON every user, tom too, sets up an authenticator app at sign-in)

  The current authenticator code (moto uses one key for every user, shown on the set-up page):
    $PY scripts/moto.py totp

  Latest reset code per user (after "Forgot password"):
    $PY scripts/moto.py --endpoint $MOTO codes --pool $POOL

  Admin commands against the demo pool, e.g.:
    AWS_ENDPOINT_URL=$MOTO AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo COGNITO_USER_POOL_ID=$POOL target/debug/server admin show alice

  Press Ctrl-C to stop.
MSG
wait "$APP_PID"

#!/usr/bin/env bash
# `make demo`: moto + a seeded user pool + the app, on 127.0.0.1. Ctrl-C stops everything.
set -euo pipefail
bash "$(dirname "$0")/setup.sh" demo
source "$(dirname "$0")/lib.sh"

MOTO_PORT="${MOTO_PORT:-5055}"
APP_PORT="${APP_PORT:-3000}"
MFA_APP_PORT="${MFA_APP_PORT:-3001}"        # a second app, in front of a pool that requires a second factor
CHOICE_APP_PORT="${CHOICE_APP_PORT:-3002}"  # a third, SIGN_IN_FLOW=choice, in front of a scripted Cognito
DEMO_CLIENT="${DEMO_CLIENT:-public}"   # or "secret": the app client with a client secret
MOTO="http://127.0.0.1:$MOTO_PORT"

echo; echo "==> building the app"
build_site

echo; echo "==> starting moto on $MOTO"
MOTO_PID=$(start_moto "$MOTO_PORT" "$ROOT/.tools/moto-demo.log")
trap 'kill $MOTO_PID ${APP_PID:-} ${MFA_APP_PID:-} ${SCRIPTED_PID:-} ${CHOICE_APP_PID:-} 2>/dev/null || true' EXIT INT TERM
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
"$PY" scripts/moto.py --endpoint "$MOTO" sign-up --client "$PUBLIC_CLIENT" sam 'Demo-Passw0rd!' --email sam@example.com
if [ "${DEMO_MFA:-OPTIONAL}" = OPTIONAL ]; then
  "$PY" scripts/moto.py --endpoint "$MOTO" totp-user --client "$PUBLIC_CLIENT" maya 'Demo-Passw0rd!'
fi

# A second pool requires a second factor: rita has a temporary password and sets up an
# authenticator app right after choosing her own (moto sends MFA_SETUP only when MFA is ON).
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$ROOT/.tools/demo-mfa-pool.json" --name demo-mfa --mfa ON >/dev/null
MFA_POOL=$("$PY" -c "import json;print(json.load(open('$ROOT/.tools/demo-mfa-pool.json'))['pool_id'])")
"$PY" scripts/moto.py --endpoint "$MOTO" user --pool "$MFA_POOL" rita --email rita@example.com
printf '%s' 'Temp-Passw0rd!' | COGNITO_USER_POOL_ID="$MFA_POOL" $ADMIN set-password rita --temporary --stdin >/dev/null

run_app() { # pool-json port endpoint [extra env...]
  local json="$1" port="$2" endpoint="$3"; shift 3
  env $(app_env "$json" "$DEMO_CLIENT" "$port") \
    AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \
    PRODUCT_NAME="${PRODUCT_NAME:-Example Corp account recovery}" LOG_FORMAT="${LOG_FORMAT:-text}" "$@" \
    "$ROOT/target/debug/server" &
}

echo "==> starting the app ($DEMO_CLIENT app client)"
# Security notifications go to moto's SES (read them with `moto.py emails`).
"$PY" scripts/moto.py --endpoint "$MOTO" ses-sender security@example.com
run_app "$ROOT/.tools/demo-pool.json" "$APP_PORT" "$MOTO" \
  NOTIFY_EMAIL=true "NOTIFY_FROM=Account security <security@example.com>" NOT_ME_SIGN_OUT=true \
  FORGOT_USERNAME=true REINVITE=true RECOVERY_CODES=true MFA_RESET=true MFA_RESET_DELAY_SECS=60
APP_PID=$!
run_app "$ROOT/.tools/demo-mfa-pool.json" "$MFA_APP_PORT" "$MOTO" RECOVERY_CODES=true >"$ROOT/.tools/demo-mfa-app.log" 2>&1
MFA_APP_PID=$!
SCRIPTED_PORT=$(free_port)
# Its relying party for passkeys is the third app's origin (WebAuthn takes no IP address).
"$PY" scripts/scripted_cognito.py "$SCRIPTED_PORT" --origin "http://localhost:$CHOICE_APP_PORT" 2>"$ROOT/.tools/scripted-cognito.log" &
SCRIPTED_PID=$!
wait_http "http://127.0.0.1:$SCRIPTED_PORT/" 30
run_app "$ROOT/.tools/demo-pool.json" "$CHOICE_APP_PORT" "http://127.0.0.1:$SCRIPTED_PORT" \
  SIGN_IN_FLOW=choice DESCRIBE_USER_POOL=false POOL_FEATURES=optional,totp,passkeys \
  PUBLIC_ORIGIN="http://localhost:$CHOICE_APP_PORT" >"$ROOT/.tools/demo-choice-app.log" 2>&1
CHOICE_APP_PID=$!
for p in "$APP_PORT" "$MFA_APP_PORT" "$CHOICE_APP_PORT"; do wait_http "http://127.0.0.1:$p/healthz" 60; done

cat <<MSG

  The app:        http://127.0.0.1:$APP_PORT        (health: http://127.0.0.1:$APP_PORT/healthz)
  Cognito (moto): $MOTO   user pool $POOL

  Seeded users:
    alice   password Demo-Passw0rd!   CONFIRMED, verified email alice@example.com
    tom     password Temp-Passw0rd!   temporary password (FORCE_CHANGE_PASSWORD): sign in to set a new one
    nina    password Demo-Passw0rd!   CONFIRMED, no verified email or phone
    maya    password Demo-Passw0rd!   CONFIRMED, authenticator app set up: sign-in asks for its code
    sam     password Demo-Passw0rd!   signed up, never confirmed: sign in, and the code page confirms the account
            (its code: the "codes" command below)
    "Forgot your username?" with alice@example.com emails "alice" (the "emails" command below)
    Recovery codes: sign in as maya, make them on /account/security, sign out, and on the code
    page choose "Lost your phone or authenticator?"
    Without codes: on maya's code page, "Can't use your authenticator or phone?" emails a code
    (the "emails" command below); after 60 s (MFA_RESET_DELAY_SECS) the next sign-in removes the
    authenticator; the second email's "Cancel — this wasn't me" stops it
            (with DEMO_MFA=ON every user, tom too, sets up an authenticator app at sign-in)

  A second copy, in front of a pool that requires a second factor: http://127.0.0.1:$MFA_APP_PORT
    rita    password Temp-Passw0rd!   temporary password: choose a new one, then set up an authenticator app

  A third, with choice-based sign-in (SIGN_IN_FLOW=choice), in front of a scripted Cognito that
  sends what moto cannot (a choice of second factor, email codes, passkeys): http://localhost:$CHOICE_APP_PORT
    any username, password Scripted-Passw0rd! (or none, for a one-time code), every code 123456
    passkey-<anything>     no second factor: add a passkey on /account/security, sign out, then
                           "Sign in with a passkey" (the browser's own passkey prompt)
    temporary-<anything>   a temporary password first, then the "add a passkey" offer

  The current authenticator code (moto uses one key for every user, shown on the set-up page):
    $PY scripts/moto.py totp

  Latest reset code per user (after "Forgot password"), with the link the reset email carries
  once the Custom message trigger (deploy/custom-message) is attached:
    $PY scripts/moto.py --endpoint $MOTO codes --pool $POOL --links http://127.0.0.1:$APP_PORT

  The security emails the app sent (after a reset or a password change), "This wasn't me" link included:
    $PY scripts/moto.py --endpoint $MOTO emails

  Admin commands against the demo pool, e.g.:
    AWS_ENDPOINT_URL=$MOTO AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo COGNITO_USER_POOL_ID=$POOL target/debug/server admin show alice

  Press Ctrl-C to stop.
MSG
wait "$APP_PID"

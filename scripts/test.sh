#!/usr/bin/env bash
# `make test`: installs what is missing, builds, then runs every test:
#   cargo test (unit tests, Cognito error mapping with aws-smithy-mocks, integration against moto)
#   Playwright (every flow in Chromium, JavaScript on and off), the scale-out test,
#   the deployment templates (cfn-lint, kubernetes-validate) and the container image.
set -euo pipefail
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/lib.sh"

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
START=$(date +%s)
echo "    disk: $(df -h "$ROOT" | awk 'NR==2 {print $4 " free of " $2}')"

echo; echo "==> deploy/: cfn-lint on the CloudFormation template, kubernetes-validate on the manifests"
"$ROOT/.tools/deploy-venv/bin/cfn-lint" deploy/aws/*.yaml
"$ROOT/.tools/deploy-venv/bin/kubernetes-validate" --strict --quiet deploy/k8s/*.yaml
echo "    both clean"
"$ROOT/.tools/deploy-venv/bin/python" scripts/check_deploy.py
echo "==> deploy/custom-message: the Lambda trigger's tests (node --test)"
node --test --test-reporter=dot deploy/custom-message/

echo; echo "==> build: cargo leptos build (server + WASM + CSS)"
build_site

MOTO_PORT=$(free_port)
MOTO="http://127.0.0.1:$MOTO_PORT"
PIDS+=("$(start_moto "$MOTO_PORT" "$LOGS/moto.log")")
wait_http "$MOTO/moto-api/" 30
export MOTO_ENDPOINT="$MOTO"

echo; echo "==> cargo test: app (unit tests, error mapping with aws-smithy-mocks)"
cargo test -p app --features ssr
echo; echo "==> cargo test: server (integration tests against moto, admin CLI, start-up)"
cargo test -p server

echo; echo "==> Playwright: starting app instances on 127.0.0.1"
POOL_JSON="$LOGS/e2e-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$POOL_JSON" --name e2e >/dev/null
MFA_POOL_JSON="$LOGS/e2e-mfa-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$MFA_POOL_JSON" --name e2e-mfa --mfa ON >/dev/null
SMS_POOL_JSON="$LOGS/e2e-sms-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$SMS_POOL_JSON" --name e2e-sms --mfa ON --sms-only >/dev/null
start_app() { # kind port log [extra env...]
  local kind="$1" port="$2" log="$3"; shift 3
  env $(app_env "${APP_POOL_JSON:-$POOL_JSON}" "$kind" "$port") AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=test \
    AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true "$@" \
    "$ROOT/target/debug/server" >"$log" 2>&1 &
  PIDS+=("$!")
}
# Every browser test comes from 127.0.0.1: the per-IP limit is raised on the instances whose
# limits are not under test, and the uniform-timing pad shortened.
FAST=(RATE_LIMIT_IP=10000/15m RATE_LIMIT_USER=100/15m RESET_MIN_RESPONSE_MS=50)
# The two main instances send security notifications through moto's SES (notify.spec.ts).
"$PY" scripts/moto.py --endpoint "$MOTO" ses-sender security@example.com
NOTIFY=(NOTIFY_EMAIL=true "NOTIFY_FROM=Account security <security@example.com>" NOT_ME_SIGN_OUT=true)
P_JS=$(free_port); start_app secret "$P_JS" "$LOGS/app-js.log" "${FAST[@]}" "${NOTIFY[@]}"
P_NOJS=$(free_port); start_app public "$P_NOJS" "$LOGS/app-nojs.log" "${FAST[@]}" "${NOTIFY[@]}"
P_SHORT=$(free_port); start_app public "$P_SHORT" "$LOGS/app-short.log" "${FAST[@]}" CHALLENGE_TTL_SECS=3 RESEND_COOLDOWN_SECS=3
P_LIMITED=$(free_port); start_app public "$P_LIMITED" "$LOGS/app-limited.log" RATE_LIMIT_USER=2/15m RESET_MIN_RESPONSE_MS=50
P_MFA=$(free_port); APP_POOL_JSON="$MFA_POOL_JSON" start_app public "$P_MFA" "$LOGS/app-mfa.log" "${FAST[@]}"
P_SMS=$(free_port); APP_POOL_JSON="$SMS_POOL_JSON" start_app public "$P_SMS" "$LOGS/app-sms.log" "${FAST[@]}"
# The sign-in steps moto never sends (SELECT_MFA_TYPE, EMAIL_OTP, USER_AUTH) and passkeys (moto
# has no WebAuthn): a scripted Cognito, whose relying party (py_webauthn) is the passkey
# instance's origin. WebAuthn takes no IP address as a relying-party id, so that instance is
# reached as http://localhost (still loopback).
SCRIPTED_PORT=$(free_port)
P_PASSKEY=$(free_port)
"$PY" scripts/scripted_cognito.py "$SCRIPTED_PORT" --origin "http://localhost:$P_PASSKEY" >"$LOGS/scripted-cognito.log" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$SCRIPTED_PORT/" 30
# (The later AWS_ENDPOINT_URL overrides start_app's moto one.)
P_CHOICE=$(free_port); start_app public "$P_CHOICE" "$LOGS/app-choice.log" "${FAST[@]}" \
  AWS_ENDPOINT_URL="http://127.0.0.1:$SCRIPTED_PORT" SIGN_IN_FLOW=choice DESCRIBE_USER_POOL=false
start_app public "$P_PASSKEY" "$LOGS/app-passkey.log" "${FAST[@]}" \
  AWS_ENDPOINT_URL="http://127.0.0.1:$SCRIPTED_PORT" SIGN_IN_FLOW=choice DESCRIBE_USER_POOL=false \
  POOL_FEATURES=optional,totp,passkeys PUBLIC_ORIGIN="http://localhost:$P_PASSKEY"
for p in "$P_JS" "$P_NOJS" "$P_SHORT" "$P_LIMITED" "$P_MFA" "$P_SMS" "$P_CHOICE" "$P_PASSKEY"; do wait_http "http://127.0.0.1:$p/healthz" 60; done

echo "==> Playwright: projects chromium (JavaScript on) and chromium-no-js"
(
  cd end2end
  E2E_MOTO="$MOTO" E2E_POOL="$("$PY" -c "import json;print(json.load(open('$POOL_JSON'))['pool_id'])")" \
  E2E_URL_JS="http://127.0.0.1:$P_JS" E2E_URL_NOJS="http://127.0.0.1:$P_NOJS" \
  E2E_URL_SHORT="http://127.0.0.1:$P_SHORT" E2E_URL_LIMITED="http://127.0.0.1:$P_LIMITED" \
  E2E_URL_MFA="http://127.0.0.1:$P_MFA" E2E_URL_SMS_MFA="http://127.0.0.1:$P_SMS" \
  E2E_URL_CHOICE="http://127.0.0.1:$P_CHOICE" E2E_URL_PASSKEY="http://localhost:$P_PASSKEY" \
  E2E_SMS_POOL="$("$PY" -c "import json;print(json.load(open('$SMS_POOL_JSON'))['pool_id'])")" \
  E2E_MFA_POOL="$("$PY" -c "import json;print(json.load(open('$MFA_POOL_JSON'))['pool_id'])")" \
  E2E_MFA_CLIENT="$("$PY" -c "import json;print(json.load(open('$MFA_POOL_JSON'))['public_client_id'])")" \
    npx playwright test
)

echo; echo "==> scale-out: Redis + two instances + nginx (Playwright, kill, 500-flow load)"
cargo build -p server --example loadgen
MOTO="$MOTO" POOL_JSON="$POOL_JSON" LOGS="$LOGS" bash scripts/scale.sh
echo; echo "==> image: make image (release build, podman), then the image's file system serves the app"
MOTO="$MOTO" POOL_JSON="$POOL_JSON" LOGS="$LOGS" bash scripts/image_test.sh
echo; echo "all tests passed in $(( $(date +%s) - START ))s"

#!/usr/bin/env bash
# `make test`: installs what is missing, builds, then runs every test:
#   the byte budget of every page (release WASM), cargo test (unit tests, Cognito error
#   mapping with aws-smithy-mocks, integration against moto), Playwright (every flow in
#   Chromium, JavaScript on and off), the scale-out test, the deployment templates (cfn-lint,
#   kubernetes-validate) and the container image.
# At its end (passed or not) a table of its phases: their times and the free disk after each.
set -euo pipefail
START=$(date +%s)
SETUP_START=$START
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/lib.sh"
PHASE_NAME="setup: tools (scripts/setup.sh)"; PHASE_START=$SETUP_START

LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    phase_table "$START" "$PHASE_NAME"
  else
    phase_table "$START"
    echo; echo "all tests passed in $(( $(date +%s) - START ))s"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase "deploy/: cfn-lint, helm lint, kubernetes-validate (the manifest and the chart rendered), check_deploy.py, attach_trigger_test.py; node --test (the email trigger, the passkey and form scripts, the focus ring's contrast)"
"$ROOT/.tools/deploy-venv/bin/cfn-lint" deploy/aws/*.yaml
"$ROOT/.tools/deploy-venv/bin/kubernetes-validate" --strict --quiet deploy/k8s/*.yaml
"$ROOT/.tools/deploy-venv/bin/helm" lint --strict --quiet deploy/helm/cognito-reset
for set in "" "--set autoscaling.enabled=false --set networkPolicy.enabled=false --set serviceAccount.create=false"; do
  # shellcheck disable=SC2086
  "$ROOT/.tools/deploy-venv/bin/helm" template r deploy/helm/cognito-reset $set >"$LOGS/chart.yaml"
  "$ROOT/.tools/deploy-venv/bin/kubernetes-validate" --strict --quiet "$LOGS/chart.yaml"
done
"$ROOT/.tools/deploy-venv/bin/python" scripts/check_deploy.py
"$ROOT/.tools/venv/bin/python" scripts/attach_trigger_test.py
node --test --test-reporter=dot deploy/custom-message/ app/src/ style/

phase "docs: the book (mdBook) and its links"
bash scripts/docs.sh

phase "build: the site (release WASM, JS, CSS), as the image ships it"
build_frontend
phase "build: server, tests, load generator, bench (debug, one cargo invocation)"
build_tests
phase "bytes: every page within its budget (target/debug/bench bytes)"
BENCH_OUT="$LOGS/bytes.md" "$ROOT/target/debug/bench" bytes

MOTO_PORT=$(free_port)
MOTO="http://127.0.0.1:$MOTO_PORT"
PIDS+=("$(start_moto "$MOTO_PORT" "$LOGS/moto.log")")
wait_http "$MOTO/moto-api/" 30
export MOTO_ENDPOINT="$MOTO"

phase "cargo test: unit tests, error mapping (aws-smithy-mocks), integration against moto"
# Four threads on two cores: most of these tests wait (on moto, on a timeout, on a step-up
# window), and the longest waits set the phase's time.
cargo test "${TEST_CARGO_ARGS[@]}" -- --test-threads=4

phase "Playwright: app instances, then chromium (JavaScript on) and chromium-no-js; the accessibility conformance report"
POOL_JSON="$LOGS/e2e-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$POOL_JSON" --name e2e >/dev/null
MFA_POOL_JSON="$LOGS/e2e-mfa-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$MFA_POOL_JSON" --name e2e-mfa --mfa ON >/dev/null
SMS_POOL_JSON="$LOGS/e2e-sms-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$SMS_POOL_JSON" --name e2e-sms --mfa ON --sms-only >/dev/null
# Account states (states.spec.ts): temporary passwords that expire at once, new invitations on.
STATES_POOL_JSON="$LOGS/e2e-states-pool.json"
"$PY" scripts/moto.py --endpoint "$MOTO" pool --out "$STATES_POOL_JSON" --name e2e-states --temporary-days 0 >/dev/null
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
NOTIFY=(NOTIFY_EMAIL=true "NOTIFY_FROM=Account security <security@example.com>" NOT_ME_SIGN_OUT=true FORGOT_USERNAME=true RECOVERY_CODES=true)
# ... and lead on to the operator's app after a success ("Continue to Example Corp").
APP_URL=https://app.example.com/home
NOTIFY+=(APP_URL="$APP_URL" "APP_NAME=Example Corp")
P_JS=$(free_port); start_app secret "$P_JS" "$LOGS/app-js.log" "${FAST[@]}" "${NOTIFY[@]}"
P_NOJS=$(free_port); start_app public "$P_NOJS" "$LOGS/app-nojs.log" "${FAST[@]}" "${NOTIFY[@]}"
P_SHORT=$(free_port); start_app public "$P_SHORT" "$LOGS/app-short.log" "${FAST[@]}" CHALLENGE_TTL_SECS=3 RESEND_COOLDOWN_SECS=3
P_LIMITED=$(free_port); start_app public "$P_LIMITED" "$LOGS/app-limited.log" RATE_LIMIT_USER=2/15m RESET_MIN_RESPONSE_MS=50
P_MFA=$(free_port); APP_POOL_JSON="$MFA_POOL_JSON" start_app public "$P_MFA" "$LOGS/app-mfa.log" "${FAST[@]}" RECOVERY_CODES=true \
  MFA_RESET=true MFA_RESET_DELAY_SECS=3 "NOTIFY_FROM=Account security <security@example.com>"
P_SMS=$(free_port); APP_POOL_JSON="$SMS_POOL_JSON" start_app public "$P_SMS" "$LOGS/app-sms.log" "${FAST[@]}"
P_STATES=$(free_port); APP_POOL_JSON="$STATES_POOL_JSON" start_app public "$P_STATES" "$LOGS/app-states.log" "${FAST[@]}" REINVITE=true
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
for p in "$P_JS" "$P_NOJS" "$P_SHORT" "$P_LIMITED" "$P_MFA" "$P_SMS" "$P_STATES" "$P_CHOICE" "$P_PASSKEY"; do wait_http "http://127.0.0.1:$p/healthz" 60; done

rm -rf "$LOGS/a11y-evidence"
(
  cd end2end
  E2E_MOTO="$MOTO" E2E_POOL="$("$PY" -c "import json;print(json.load(open('$POOL_JSON'))['pool_id'])")" \
  E2E_URL_JS="http://127.0.0.1:$P_JS" E2E_URL_NOJS="http://127.0.0.1:$P_NOJS" E2E_APP_URL="$APP_URL" \
  E2E_URL_SHORT="http://127.0.0.1:$P_SHORT" E2E_URL_LIMITED="http://127.0.0.1:$P_LIMITED" \
  E2E_URL_MFA="http://127.0.0.1:$P_MFA" E2E_URL_SMS_MFA="http://127.0.0.1:$P_SMS" \
  E2E_URL_STATES="http://127.0.0.1:$P_STATES" \
  E2E_STATES_POOL="$("$PY" -c "import json;print(json.load(open('$STATES_POOL_JSON'))['pool_id'])")" \
  E2E_STATES_CLIENT="$("$PY" -c "import json;print(json.load(open('$STATES_POOL_JSON'))['public_client_id'])")" \
  E2E_URL_CHOICE="http://127.0.0.1:$P_CHOICE" E2E_URL_PASSKEY="http://localhost:$P_PASSKEY" \
  E2E_SMS_POOL="$("$PY" -c "import json;print(json.load(open('$SMS_POOL_JSON'))['pool_id'])")" \
  E2E_MFA_POOL="$("$PY" -c "import json;print(json.load(open('$MFA_POOL_JSON'))['pool_id'])")" \
  E2E_MFA_CLIENT="$("$PY" -c "import json;print(json.load(open('$MFA_POOL_JSON'))['public_client_id'])")" \
  A11Y_EVIDENCE="$LOGS/a11y-evidence" \
    npx playwright test
)
# The accessibility conformance report from this run's evidence: it fails when the evidence
# falls short of a claim, or when the committed report differs (docs "Accessibility
# conformance report").
node end2end/acr/report.mjs "$LOGS/a11y-evidence" --check

phase "scale-out: Redis + two instances + nginx (Playwright, kill, 500-flow load)"
MOTO="$MOTO" POOL_JSON="$POOL_JSON" LOGS="$LOGS" bash scripts/scale.sh
phase "image: the tested build in the image's layout (podman), its file system serves"
MOTO="$MOTO" POOL_JSON="$POOL_JSON" LOGS="$LOGS" bash scripts/image_test.sh
phase

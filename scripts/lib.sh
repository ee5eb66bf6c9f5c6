# Shared helpers for demo.sh and test.sh (sourced).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source "$ROOT/.tools/env.sh"
PY="$ROOT/.tools/venv/bin/python"

# A free TCP port on 127.0.0.1.
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits until URL answers (up to $2 seconds).
wait_http() {
  local url="$1" limit="${2:-60}" i=0
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    i=$((i+1)); if [ "$i" -gt $((limit*5)) ]; then echo "timed out waiting for $url" >&2; return 1; fi
    sleep 0.2
  done
}

# Starts moto on 127.0.0.1:$1, logging to $2.
start_moto() {
  "$PY" "$ROOT/scripts/moto_server.py" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
  echo $!
}

# The release WASM's build: a standard library built with it (optimised for size like the
# rest) and panics that abort at once: no panic messages, no formatting code for them (Leptos'
# guide on binary size). Unstable flags, so RUSTC_BOOTSTRAP for this build only; the target's
# RUSTFLAGS reach the WASM build, not the server's.
release_wasm_env=(RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none")
release_wasm_args=(--lib-cargo-args=-Zbuild-std=std,panic_abort)

# Builds the site (WASM, JS, CSS into target/site, or $LEPTOS_SITE_ROOT) and the server with
# cargo-leptos: debug profile by default (`make demo`); with --release the release profile
# (size-optimised WASM, wasm-opt; `make image`, `make bench`).
build_site() {
  if [ "${1:-}" = --release ]; then
    env "${release_wasm_env[@]}" cargo leptos build --release "${release_wasm_args[@]}"
    compress_site release
  else
    # shellcheck disable=SC2086
    cargo leptos build $LIB_CARGO_ARGS
    compress_site debug
  fi
}

# `make test`'s site: the release WASM, JS and CSS (what the image ships and the byte budget
# weighs) into target/site, without a server build: the tests' server is the debug one that
# `cargo test` builds (build_tests), which reads the assets' names from target/debug/hash.txt.
build_frontend() {
  env "${release_wasm_env[@]}" cargo leptos build --release --frontend-only "${release_wasm_args[@]}"
  compress_site release
  mkdir -p "$ROOT/target/debug"
  cp "$ROOT/target/release/hash.txt" "$ROOT/target/debug/hash.txt"
}

# Every Rust build `make test` needs, in ONE cargo invocation: the unit and integration tests,
# the server binary the browser tests start, the load generator (an example) and the byte
# budget's tool (bench). One invocation resolves the dependencies' features once; separate
# `cargo test -p app`, `cargo test -p server` and cargo-leptos' server build each resolved
# them differently (dev-dependencies add features) and compiled the whole stack three times.
TEST_CARGO_ARGS=(-p app -p server -p bench --features app/ssr)
build_tests() { cargo test "${TEST_CARGO_ARGS[@]}" --no-run "$@"; }

# Writes a brotli and a gzip copy next to each asset of the last build ($1: its profile),
# which the server sends as they are; assets of earlier builds go.
compress_site() {
  local profile="$1" q_br=4 q_gz=6
  if [ "$profile" = release ]; then q_br=11; q_gz=9; fi
  # LEPTOS_SITE_ROOT (which cargo-leptos honours too) puts the site elsewhere: the image's
  # release site must not replace the one the test instances serve.
  local hashes="$ROOT/target/$profile/hash.txt" pkg="${LEPTOS_SITE_ROOT:-$ROOT/target/site}/pkg"
  local keep=() ext hash f
  while IFS=': ' read -r ext hash; do
    [ -n "$hash" ] && keep+=("$pkg/$LEPTOS_OUTPUT_NAME.$hash.$ext")
  done <"$hashes"
  for f in "$pkg"/*; do
    case " ${keep[*]} " in *" ${f%.br} "*|*" ${f%.gz} "*) ;; *) rm -f "$f" ;; esac
  done
  # A content-hashed name is its content: a copy newer than its asset is that asset's.
  for f in "${keep[@]}"; do
    if [ ! "$f.br" -nt "$f" ] || [ ! "$f.gz" -nt "$f" ]; then
      brotli -f -q "$q_br" -o "$f.br" "$f"
      gzip -f -k -n "-$q_gz" "$f"
    fi
  done
}

# Phases of a run and what each took (test.sh prints them at its end, passed or failed).
PHASES=()
PHASE_NAME=""
PHASE_START=0
# Ends the phase under way and starts $1 (none with no argument).
phase() {
  local now free
  now=$(date +%s)
  if [ -n "$PHASE_NAME" ]; then
    free=$(df -h --output=avail "$ROOT" | tail -1 | tr -d ' ')
    PHASES+=("$PHASE_NAME|$((now - PHASE_START))|$free")
  fi
  PHASE_NAME="${1:-}"
  PHASE_START=$now
  if [ -n "$PHASE_NAME" ]; then echo; echo "==> $PHASE_NAME"; fi
}
# The table: phase, seconds, free disk after it; $1 the run's start (epoch seconds), $2 the
# phase that failed, if one did.
phase_table() {
  local start="$1" failed="${2:-}" row name secs free
  phase
  echo
  printf '%-84s %6s  %s\n' "phase" "time" "free disk after"
  for row in "${PHASES[@]}"; do
    IFS='|' read -r name secs free <<<"$row"
    printf '%-84s %5ss  %s\n' "$name" "$secs" "$free"
  done
  [ -n "$failed" ] && printf '%-84s %6s\n' "FAILED in: $failed" ""
  printf '%-84s %5ss  target/ %s\n' "total" "$(( $(date +%s) - start ))" \
    "$(du -sh "$ROOT/target" 2>/dev/null | cut -f1)"
}

# The environment every local app instance gets; $1 pool json, $2 "public"|"secret", $3 port.
app_env() {
  local json="$1" kind="$2" port="$3"
  local pool client secret
  pool=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['pool_id'])" "$json")
  client=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['${kind}_client_id'])" "$json")
  echo "COGNITO_USER_POOL_ID=$pool"
  echo "COGNITO_CLIENT_ID=$client"
  if [ "$kind" = secret ]; then
    secret=$("$PY" -c "import json,sys;print(json.load(open(sys.argv[1]))['secret_client_secret'])" "$json")
    echo "COGNITO_CLIENT_SECRET=$secret"
  fi
  echo "AWS_REGION=${pool%%_*}"
  echo "PUBLIC_ORIGIN=http://127.0.0.1:$port"
  echo "LISTEN_ADDR=127.0.0.1:$port"
  echo "SESSION_COOKIE_SECURE=false"
  echo "LEPTOS_SITE_ROOT=$ROOT/target/site"
  echo "LEPTOS_OUTPUT_NAME=reset"
}

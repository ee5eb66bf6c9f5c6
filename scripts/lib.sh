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

# Builds the site (WASM, JS, CSS into target/site, or $LEPTOS_SITE_ROOT) and the server: debug profile by default.
# With --release: the release profile (size-optimised WASM, wasm-opt). Then writes a brotli
# and a gzip copy next to each built asset, which the server sends as they are.
build_site() {
  local release="" profile=debug q_br=4 q_gz=6 lib_args="$LIB_CARGO_ARGS"
  if [ "${1:-}" = --release ]; then release="--release"; profile=release; q_br=11; q_gz=9; fi
  if [ -n "$release" ]; then
    # The release WASM gets a standard library built with it (optimised for size like the rest)
    # and panics that abort at once: no panic messages, no formatting code for them (Leptos'
    # guide on binary size). Unstable flags, so RUSTC_BOOTSTRAP for this build only; the
    # target's RUSTFLAGS reach the WASM build, not the server's.
    lib_args="--lib-cargo-args=-Zbuild-std=std,panic_abort"
    # shellcheck disable=SC2086
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
      cargo leptos build $release $lib_args
  else
    # shellcheck disable=SC2086
    cargo leptos build $lib_args
  fi
  # LEPTOS_SITE_ROOT (which cargo-leptos honours too) puts the site elsewhere: the image's
  # release site must not replace the debug one the test instances serve.
  local hashes="$ROOT/target/$profile/hash.txt" pkg="${LEPTOS_SITE_ROOT:-$ROOT/target/site}/pkg"
  local keep=() ext hash f
  while IFS=': ' read -r ext hash; do
    [ -n "$hash" ] && keep+=("$pkg/$LEPTOS_OUTPUT_NAME.$hash.$ext")
  done <"$hashes"
  # Assets of earlier builds go; the current ones get their compressed copies.
  for f in "$pkg"/*; do
    case " ${keep[*]} " in *" ${f%.br} "*|*" ${f%.gz} "*) ;; *) rm -f "$f" ;; esac
  done
  for f in "${keep[@]}"; do
    if [ -n "$release" ] || [ ! "$f.br" -nt "$f" ]; then
      brotli -f -q "$q_br" -o "$f.br" "$f"
      gzip -f -k -n "-$q_gz" "$f"
    fi
  done
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

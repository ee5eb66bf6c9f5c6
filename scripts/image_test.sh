#!/usr/bin/env bash
# The image test in `make test`: builds the image of the build the other tests ran
# (scripts/image.sh with IMAGE_BUILD=test: the debug server, the release site, in the
# release image's layout; `make image`'s release build of the server is not compiled here),
# then proves it holds everything the app needs. Where podman can run containers, the image runs for real; where it
# cannot (no cgroups, as on the CI machine), its exported file system is started with chroot,
# as the image's user, with only the image's environment. Then: /healthz, /reset, a hashed
# asset (brotli), /readyz on the metrics port, and `server health` from inside the tree.
# Needs $MOTO and $POOL_JSON (from test.sh); skips with a message only without podman.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${MOTO:?}" "${POOL_JSON:?}" "${LOGS:?}"
if ! command -v podman >/dev/null; then
  echo "SKIPPED: the image test (podman could not be installed here)"; exit 0
fi
IMAGE_BUILD=test bash "$ROOT/scripts/image.sh"
IMAGE=$(cat "$ROOT/target/image/image-name")
podman_() { podman --storage-driver vfs "$@"; }
fail() { echo "image test: $*" >&2; exit 1; }

# What the image says about itself.
[ "$(podman_ image inspect --format '{{.Config.User}}' "$IMAGE")" = "10001:10001" ] || fail "the image does not run as 10001"
mapfile -t IMAGE_ENV < <(podman_ image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep .)
printf '%s\n' "${IMAGE_ENV[@]}" | grep -qx 'LISTEN_ADDR=0.0.0.0:8080' || fail "the image does not listen on 0.0.0.0:8080"

P=$(free_port); M=$(free_port)
# The operator's settings (the test talks to 127.0.0.1 only, so the addresses are overridden).
RUN_ENV=($(app_env "$POOL_JSON" public "$P" | grep -v '^LEPTOS_\|^LISTEN_ADDR')
  LISTEN_ADDR="127.0.0.1:$P" METRICS_ADDR="127.0.0.1:$M" SESSION_COOKIE_SECURE=false
  AWS_ENDPOINT_URL="$MOTO" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true)

TREE="$ROOT/target/image/tree"
CHROOT=$(command -v chroot || echo /usr/sbin/chroot)
CID=""; PID=""
cleanup_image() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  [ -n "$CID" ] && podman_ rm -f "$CID" >/dev/null 2>&1 || true
}
trap cleanup_image EXIT

if podman_ run --rm --network host "$IMAGE" --version >/dev/null 2>&1; then
  MODE="podman run"
  CID=$(podman_ run -d --network host $(printf -- '-e %s ' "${RUN_ENV[@]}") "$IMAGE")
  health() { podman_ exec -e LISTEN_ADDR="127.0.0.1:$P" "$CID" /app/server health; }
else
  MODE="chroot into the exported file system (this machine cannot run containers)"
  CID=$(podman_ create "$IMAGE")
  rm -rf "$TREE"; mkdir -p "$TREE"
  podman_ export "$CID" | tar -x -C "$TREE"
  podman_ rm "$CID" >/dev/null; CID=""
  # Nothing in the tree but what the image was built with: no shell, no package manager.
  for f in bin/sh usr/bin/sh bin/bash usr/bin/apt usr/bin/dpkg; do
    [ ! -e "$TREE/$f" ] || fail "the image contains /$f"
  done
  env -i "${IMAGE_ENV[@]}" "${RUN_ENV[@]}" "$CHROOT" --userspec=10001:10001 "$TREE" /app/server serve \
    >"$LOGS/image-app.log" 2>&1 &
  PID=$!
  health() { env -i "${IMAGE_ENV[@]}" LISTEN_ADDR="127.0.0.1:$P" "$CHROOT" --userspec=10001:10001 "$TREE" /app/server health; }
fi
echo "==> image test: $MODE"
wait_http "http://127.0.0.1:$P/healthz" 60 || { tail -20 "$LOGS/image-app.log" >&2 || true; fail "/healthz never answered"; }

URL="http://127.0.0.1:$P"
page=$(curl -fsS "$URL/reset") || fail "/reset did not answer 200"
grep -q '<form' <<<"$page" || fail "/reset has no form"
# /reset has no island (it loads no WASM); /sign-in's password field is one.
sign_in=$(curl -fsS "$URL/sign-in") || fail "/sign-in did not answer 200"
asset=$(grep -o '/pkg/reset\.[A-Za-z0-9_-]*\.wasm' <<<"$sign_in" | head -1)
[ -n "$asset" ] || fail "/sign-in names no hashed WASM asset"
headers=$(curl -fsS -o /dev/null -D - -H 'Accept-Encoding: br' "$URL$asset") || fail "$asset did not answer 200"
grep -qi '^content-encoding: br' <<<"$headers" || fail "$asset was not served from its .br copy"
grep -qi '^cache-control: .*immutable' <<<"$headers" || fail "$asset is not immutable"
curl -fsS -o /dev/null "http://127.0.0.1:$M/readyz" || fail "/readyz on the metrics port is not ready"
health || fail "server health reported the running app unhealthy"
if [ -n "$PID" ]; then kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; fi
if [ -n "$CID" ]; then podman_ rm -f "$CID" >/dev/null; CID=""; fi
if health 2>/dev/null; then fail "server health reported a stopped app healthy"; fi
echo "    /healthz, /reset, /sign-in, $asset (br, immutable), /readyz and 'server health' passed"

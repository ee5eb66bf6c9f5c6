#!/usr/bin/env bash
# `make image`: the release build, then an OCI image FROM scratch with podman (vfs storage, so
# it works where overlay mounts do not). Prints the image's name and size.
#   IMAGE=name:tag (default cognito-reset:<commit>, also tagged :latest), IMAGE_FORMAT=oci|docker
#   IMAGE_BUILD=test: no build; the image of what `make test` built (cognito-reset-test:<commit>)
#   IMAGE_BUILD=given: no build; IMAGE_SERVER, IMAGE_SITE, IMAGE_HASHES name what goes in, and
#     IMAGE_ARCH (amd64|arm64) whose shared libraries (`make release` builds arm64 this way)
set -euo pipefail
[ "${IMAGE_BUILD:-release}" != release ] || bash "$(dirname "$0")/setup.sh" image
source "$(dirname "$0")/lib.sh"

TAG="${IMAGE:-cognito-reset:$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)}"
STAGE="$ROOT/target/image"
podman_() { podman --storage-driver vfs "$@"; }

ARCH="${IMAGE_ARCH:-amd64}"
if [ "${IMAGE_BUILD:-release}" = given ]; then
  SERVER="$IMAGE_SERVER"; SITE="$IMAGE_SITE"; HASHES="$IMAGE_HASHES"
elif [ "${IMAGE_BUILD:-release}" = test ]; then
  # `make test`'s image (scripts/image_test.sh): the build the other tests ran (the debug
  # server, the release site), in the same layout; the release server is `make image`'s.
  echo; echo "==> the tested build: target/debug/server, the release site in target/site"
  SERVER="$ROOT/target/debug/server"
  SITE="$ROOT/target/site"
  HASHES="$ROOT/target/release/hash.txt"
  TAG="${TAG%%:*}-test:${TAG#*:}"
else
  echo; echo "==> release build: server + site (into target/image/site, the test site stays)"
  START=$(date +%s)
  SITE="$STAGE/site"
  LEPTOS_SITE_ROOT="$SITE" build_site --release
  echo "    built in $(( $(date +%s) - START ))s"
  SERVER="$ROOT/target/release/server"
  HASHES="$ROOT/target/release/hash.txt"
fi

echo; echo "==> staging the root file system"
ROOTFS="$STAGE/rootfs"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/app" "$ROOTFS/etc/ssl/certs" "$ROOTFS/tmp"
chmod 1777 "$ROOTFS/tmp"
install -m 0755 "$SERVER" "$ROOTFS/app/server"
install -m 0644 "$HASHES" "$ROOTFS/app/hash.txt"
cp -a "$SITE" "$ROOTFS/app/site"
if [ "$ARCH" = amd64 ]; then
  strip --strip-all "$ROOTFS/app/server"
  # The shared libraries the binary loads (and the loader), as regular files at their paths.
  for lib in $(ldd "$ROOTFS/app/server" | grep -o '/[^ ]*'); do
    mkdir -p "$ROOTFS$(dirname "$lib")"
    cp -L "$lib" "$ROOTFS$lib"
  done
else
  # Another architecture's binary (ldd cannot load it): the libraries it names, from the
  # cross toolchain's root, into /lib where its loader looks; the loader at its own path.
  aarch64-linux-gnu-strip --strip-all "$ROOTFS/app/server"
  CROSS=/usr/aarch64-linux-gnu/lib
  mkdir -p "$ROOTFS/lib"
  for lib in $(aarch64-linux-gnu-readelf -d "$ROOTFS/app/server" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    cp -L "$CROSS/$lib" "$ROOTFS/lib/$lib"
  done
  interp=$(aarch64-linux-gnu-readelf -l "$ROOTFS/app/server" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
  mkdir -p "$ROOTFS$(dirname "$interp")"
  cp -L "$CROSS/$(basename "$interp")" "$ROOTFS$interp"
fi
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
printf 'app:x:10001:10001:app:/nonexistent:/nonexistent\n' >"$ROOTFS/etc/passwd"
printf 'app:x:10001:\n' >"$ROOTFS/etc/group"
printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
chmod -R a+rX,go-w "$ROOTFS"
# An OCI image has no field for a health check: leave it out there instead of a warning.
if [ "${IMAGE_FORMAT:-oci}" = docker ]; then
  cp "$ROOT/deploy/image/Containerfile" "$STAGE/Containerfile"
else
  grep -v '^HEALTHCHECK' "$ROOT/deploy/image/Containerfile" >"$STAGE/Containerfile"
fi

echo; echo "==> podman build $TAG"
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)
podman_ build --quiet --format "${IMAGE_FORMAT:-oci}" --arch "$ARCH" --file "$STAGE/Containerfile" \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.revision="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
  --label org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --label org.opencontainers.image.title="Cognito self-service account recovery" \
  --label org.opencontainers.image.description="Self-service password reset, sign-in and account recovery for Amazon Cognito user pools" \
  --label org.opencontainers.image.licenses="MIT OR Apache-2.0" \
  ${IMAGE_SOURCE:+--label org.opencontainers.image.source="$IMAGE_SOURCE"} \
  --tag "$TAG" $([ "${IMAGE_LATEST:-1}" = 1 ] && echo --tag "${TAG%%:*}:latest") "$STAGE" >/dev/null
# Earlier builds' images lose their tags; drop them (vfs keeps a full copy of each).
podman_ image prune -f >/dev/null 2>&1 || true
SIZE=$(podman_ image inspect --format '{{.Size}}' "$TAG")
echo "$TAG" >"$STAGE/image-name"
GZ=$(tar -C "$ROOTFS" -c . | gzip -6 | wc -c)
echo "    $TAG: $(( SIZE / 1024 / 1024 )) MiB ($SIZE bytes) uncompressed, about $(( GZ / 1024 / 1024 )) MiB gzipped (as a registry stores it); files:"
du -sh "$ROOTFS/app/server" "$ROOTFS/app/site" "$ROOTFS/lib" "$ROOTFS/lib64" "$ROOTFS/usr" 2>/dev/null | sed 's/^/      /' || true

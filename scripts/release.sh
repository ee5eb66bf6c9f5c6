#!/usr/bin/env bash
# `make release`: the release of the version in Cargo.toml (docs "Releases").
#   - checks: a semantic version, its CHANGELOG.md section, a clean tree (RELEASE_DIRTY=1 skips)
#   - the release site once, then the server for amd64 and (cross-compiled with the Debian
#     aarch64 toolchain and -Zbuild-std) arm64; each binary's architecture read back from its
#     ELF header and `server --version` run (arm64 under qemu-user) and compared
#   - images cognito-reset:<version>-amd64 and -arm64 with the OCI labels, and a manifest list
#     cognito-reset:<version> naming both
#   - target/release/custom-message.zip, the email trigger for the template's EmailTriggerBucket
#   RELEASE_ARCHES="amd64 arm64" (the default) or one of them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" image
source "$ROOT/scripts/lib.sh"
cd "$ROOT"

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
fail() { echo "release: $*" >&2; exit 1; }
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || fail "Cargo.toml's version $VERSION is not a semantic version"
grep -q "^## \[$VERSION\]" CHANGELOG.md || fail "CHANGELOG.md has no section \"## [$VERSION]\""
if [ "${RELEASE_DIRTY:-0}" != 1 ] && [ -n "$(git status --porcelain)" ]; then
  fail "the tree has uncommitted changes (commit them, or RELEASE_DIRTY=1 for a trial)"
fi
ARCHES="${RELEASE_ARCHES:-amd64 arm64}"
echo "==> release $VERSION ($ARCHES)"

echo; echo "==> the release site and the amd64 server (cargo leptos build --release)"
SITE="$ROOT/target/image/site"
LEPTOS_SITE_ROOT="$SITE" build_site --release
HASHES="$ROOT/target/release/hash.txt"

check_binary() { # binary arch-word runner...
  local bin="$1" word="$2"; shift 2
  file -b "$bin" | grep -q "$word" || fail "$bin is not $word: $(file -b "$bin")"
  local said; said=$("$@" "$bin" --version)
  [ "$said" = "server $VERSION" ] || fail "$bin --version says \"$said\", not \"server $VERSION\""
  echo "    $bin: $word, \"$said\""
}

IMAGES=()
for arch in $ARCHES; do
  case "$arch" in
    amd64)
      BIN="$ROOT/target/release/server"
      check_binary "$BIN" x86-64 env
      ;;
    arm64)
      echo; echo "==> the arm64 server (aarch64-unknown-linux-gnu, std built from rust-src)"
      apt_ok=1; command -v aarch64-linux-gnu-gcc >/dev/null || apt_ok=0
      if [ "$apt_ok" = 0 ]; then
        echo "    installing the Debian cross toolchain (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user)"
        DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file >/dev/null
      fi
      RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
        AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
        cargo build --release -p server --target aarch64-unknown-linux-gnu \
          -Zbuild-std=std,panic_abort
      BIN="$ROOT/target/aarch64-unknown-linux-gnu/release/server"
      check_binary "$BIN" aarch64 qemu-aarch64 -L /usr/aarch64-linux-gnu
      ;;
    *) fail "unknown architecture $arch (amd64 or arm64)" ;;
  esac
  IMAGE="cognito-reset:$VERSION-$arch" IMAGE_LATEST=0 IMAGE_BUILD=given IMAGE_ARCH="$arch" \
    IMAGE_SERVER="$BIN" IMAGE_SITE="$SITE" IMAGE_HASHES="$HASHES" bash "$ROOT/scripts/image.sh"
  podman --storage-driver vfs image inspect --format '{{.Architecture}} {{index .Labels "org.opencontainers.image.version"}}' \
    "cognito-reset:$VERSION-$arch" | grep -qx "$arch $VERSION" || fail "the $arch image's architecture or version label is wrong"
  # The image's own file system runs its server (arm64 under qemu, with the image's libraries).
  c=$(podman --storage-driver vfs create "cognito-reset:$VERSION-$arch" 2>/dev/null)
  fs="$ROOT/target/image/$arch-fs"; rm -rf "$fs"; mkdir -p "$fs"
  podman --storage-driver vfs export "$c" | tar -C "$fs" -x
  podman --storage-driver vfs rm "$c" >/dev/null
  if [ "$arch" = arm64 ]; then said=$(qemu-aarch64 -L "$fs" "$fs/app/server" --version)
  else said=$(chroot "$fs" /app/server --version); fi
  [ "$said" = "server $VERSION" ] || fail "the $arch image's own server says \"$said\""
  echo "    the $arch image's file system runs its server: \"$said\""
  rm -rf "$fs"
  IMAGES+=("cognito-reset:$VERSION-$arch")
done

echo; echo "==> manifest list cognito-reset:$VERSION"
podman --storage-driver vfs manifest rm "cognito-reset:$VERSION" >/dev/null 2>&1 || true
podman --storage-driver vfs manifest create "cognito-reset:$VERSION" >/dev/null
for image in "${IMAGES[@]}"; do
  podman --storage-driver vfs manifest add "cognito-reset:$VERSION" "containers-storage:localhost/$image" >/dev/null
done
podman --storage-driver vfs manifest inspect "cognito-reset:$VERSION" | grep -o '"architecture": "[a-z0-9]*"' | sed 's/^/    /'

echo; echo "==> the email trigger: target/release/custom-message.zip"
python3 - <<PYEOF
import zipfile
with zipfile.ZipFile("$ROOT/target/release/custom-message.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name in ("index.mjs", "messages.mjs"):
        z.write("$ROOT/deploy/custom-message/" + name, name)
PYEOF
ls -l "$ROOT/target/release/custom-message.zip" | awk '{print "    " $5 " bytes"}'

cat <<MSG

release $VERSION built: ${IMAGES[*]}, the manifest list cognito-reset:$VERSION, and the trigger.
Next (docs "Releases"): tag v$VERSION, push the images and the manifest list, upload the
trigger, publish the CHANGELOG section as the release notes.
MSG

#!/usr/bin/env bash
# Loads the images the Docker driver tests run into the engine on the socket
# given as $1, when they are missing. Nothing is pulled (no registry is
# needed): both are a static busybox imported as a root file system.
#
#   portal-test/busybox:1  user "portal" 1000:1000, /tmp 1777; sleeps
#   portal-test/httpd:1    the same, serving /tmp over HTTP on
#                          127.0.0.1:$PORTAL_SERVICE_PORT (host network)
#
# Bump the tags when the contents change: present tags are not rebuilt.
set -euo pipefail

docker=(docker -H "unix://$1")

missing=()
for image in portal-test/busybox:1 portal-test/httpd:1; do
  "${docker[@]}" image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Debian's "busybox" is dynamically linked and would not run in the image.
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "test setup: installing busybox-static" >&2
  # shellcheck source=scripts/lib/apt.sh
  source "$(dirname "$0")/apt.sh"
  apt_install busybox-static
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
chmod 755 "$rootfs"
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
# Relative links: the host's busybox path means nothing inside the image.
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nportal:x:1000:1000:portal:/tmp:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nportal:x:1000:\n' >"$rootfs/etc/group"

import() {
  echo "test setup: building $1" >&2
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
    "${docker[@]}" import -c "CMD $2" - "$1" >/dev/null
}
for image in "${missing[@]}"; do
  case "$image" in
    portal-test/busybox:1) import "$image" '["/bin/sh", "-c", "exec sleep 3600"]' ;;
    portal-test/httpd:1)
      import "$image" '["/bin/sh", "-c", "exec httpd -f -p 127.0.0.1:${PORTAL_SERVICE_PORT:-8080} -h /tmp"]'
      ;;
  esac
done

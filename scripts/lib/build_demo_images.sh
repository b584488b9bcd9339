#!/usr/bin/env bash
# Builds the demo's analysis images into the engine on socket $1 when they
# are missing, from Debian packages only and without a registry or any
# network inside the engine:
#
#   facility-portal-demo/jupyter:1   Jupyter Notebook (Debian's jupyter-notebook)
#                                    with h5py, NumPy and Matplotlib
#   facility-portal-demo/desktop:1   a VNC desktop (TigerVNC, JWM, xterm, HDF5
#                                    tools), also served in the browser by noVNC
#
#   build_demo_images.sh SOCKET CACHE_DIR
#
# debootstrap makes a minimal Debian root file system (cached in CACHE_DIR),
# apt-get installs each image's packages into a copy of it through chroot
# (downloaded packages are kept in CACHE_DIR for rebuilds), the files of
# demo/images/ are added, and "docker import" turns the tree into an image.
# The mirror is the one apt already uses for this release (or
# DEMO_DEBIAN_MIRROR / DEMO_DEBIAN_SUITE). Present tags are not rebuilt:
# bump them when the contents change.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=scripts/lib/apt.sh
source "$ROOT/scripts/lib/apt.sh"

socket="$1"
cache="$2"
docker=(docker -H "unix://$socket")

JUPYTER_IMAGE=facility-portal-demo/jupyter:1
DESKTOP_IMAGE=facility-portal-demo/desktop:1
JUPYTER_PACKAGES=(jupyter-notebook python3-h5py python3-numpy python3-matplotlib
  # Satisfies python3-fonttools' "python3-scipy | python3-munkres" without
  # SciPy, which would pull a C++ compiler and Boost (about 600 MB) along.
  python3-munkres)
DESKTOP_PACKAGES=(tigervnc-standalone-server tigervnc-tools jwm xterm websockify
  hdf5-tools python3-h5py nano less)

missing() {
  ! "${docker[@]}" image inspect "$1" >/dev/null 2>&1
}

if ! missing "$JUPYTER_IMAGE" && ! missing "$DESKTOP_IMAGE"; then
  exit 0
fi

# Progress: seconds since the build started, and the step.
step() {
  printf '    [%3ds] %s\n' "$SECONDS" "$*"
}

# The first URI of an enabled "deb" source for suite $1 in apt's own
# configuration (one-line and deb822 formats).
apt_source_uri() {
  local suite="$1" file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "") {
          split(uris, list, " "); print list[1]; found = 1
        }
        types = ""; suites = ""; uris = ""; enabled = ""
      }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
      tolower($1) == "uris:" { $1 = ""; uris = substr($0, 2) }
      tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { if (!found) flush() }' "$file"
  done
}

suite="${DEMO_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}"
mirror="${DEMO_DEBIAN_MIRROR:-$(apt_source_uri "$suite" | head -n 1)}"
security="$(apt_source_uri "$suite-security" | head -n 1)"
if [ -z "$suite" ] || [ -z "$mirror" ]; then
  echo "demo images: no Debian mirror found in /etc/apt for '${suite:-?}';" \
    "set DEMO_DEBIAN_MIRROR and DEMO_DEBIAN_SUITE (e.g. http://deb.debian.org/debian bookworm)" >&2
  exit 1
fi

mkdir -p "$cache/debs"
# One build at a time per cache (two demos starting together).
exec 9>"$cache/build.lock"
flock 9
if ! missing "$JUPYTER_IMAGE" && ! missing "$DESKTOP_IMAGE"; then
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  step "installing Debian's debootstrap (first run only)"
  apt_install debootstrap
fi

work="$(mktemp -d "$cache/build.XXXXXX")"
# Packages move into a tree while it is being built and back afterwards.
restore_debs() {
  find "$work" -path '*/var/cache/apt/archives/*.deb' -exec mv -f -t "$cache/debs/" {} + 2>/dev/null || true
  rm -rf "$work"
}
trap restore_debs EXIT

base="$cache/base-$suite-1.tar"
if [ ! -f "$base" ]; then
  step "minimal Debian $suite from $mirror (debootstrap, once)"
  debootstrap --variant=minbase --cache-dir="$cache/debs" "$suite" "$work/base" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    exit 1
  }
  tar --numeric-owner -C "$work/base" -cf "$base.partial" . && mv "$base.partial" "$base"
  rm -rf "$work/base"
fi

# A copy of the base with the packages installed; the tree is $work/$1.
install_packages() {
  local tree="$work/$1"
  shift
  mkdir -p "$tree"
  tar --numeric-owner -C "$tree" -xf "$base"
  {
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    [ -z "$security" ] || echo "deb $security $suite-security main"
  } >"$tree/etc/apt/sources.list"
  # Packages must not start services in the build tree.
  printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d"
  chmod 755 "$tree/usr/sbin/policy-rc.d"
  find "$cache/debs" -maxdepth 1 -name '*.deb' -exec mv -t "$tree/var/cache/apt/archives/" {} +
  step "Debian packages: $* (first run only)"
  {
    chroot "$tree" apt-get -o Acquire::Retries=3 update &&
      DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get -o Acquire::Retries=3 install -y \
        -o DPkg::Options::=--force-unsafe-io --no-install-recommends "$@"
  } >"$work/$(basename "$tree").log" 2>&1 || {
    tail -n 20 "$work/$(basename "$tree").log" >&2
    exit 1
  }
  find "$tree/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec mv -f -t "$cache/debs/" {} +
}

# What an image needs at run time only: no package lists, caches, manuals,
# translations or the build host's name and resolver.
slim() {
  local tree="$1"
  rm -f "$tree/usr/sbin/policy-rc.d"
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/cache/debconf/*-old \
    "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/info/* \
    "$tree"/usr/share/locale/* "$tree"/var/log/* "$tree"/tmp/* "$tree"/root/.cache
  : >"$tree/etc/resolv.conf"
  echo analysis >"$tree/etc/hostname"
  # The portal runs environments as the experiment's uid:gid; this account is
  # the default identity (DOCKER_DEFAULT_UID/GID).
  chroot "$tree" groupadd --gid 1000 scientist
  chroot "$tree" useradd --uid 1000 --gid 1000 --home-dir /tmp/home --no-create-home \
    --shell /bin/bash scientist
  # The notebook/desktop start in /workspace; data and output are mounted
  # at /data/<proposal> (read-only) and /output/<proposal> by the portal.
  mkdir -p "$tree/workspace"
  ln -s /data "$tree/workspace/data"
  ln -s /output "$tree/workspace/output"
  chmod 1777 "$tree/workspace"
}

import_image() {
  local tree="$1" tag="$2"
  shift 2
  local changes=(
    -c "ENV LANG=C.UTF-8"
    -c "ENV HOME=/tmp/home"
    -c "USER 1000:1000"
    -c "WORKDIR /workspace"
    -c "LABEL org.opencontainers.image.source=facility-portal-demo"
  )
  for change in "$@"; do
    changes+=(-c "$change")
  done
  step "importing $tag"
  tar --numeric-owner -C "$tree" -c . | "${docker[@]}" import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$tree"
  step "$tag is ready"
}

if missing "$JUPYTER_IMAGE"; then
  echo "  building $JUPYTER_IMAGE"
  install_packages jupyter "${JUPYTER_PACKAGES[@]}"
  tree="$work/jupyter"
  slim "$tree"
  install -m 755 "$ROOT/demo/images/jupyter/start-notebook" "$tree/usr/local/bin/start-notebook"
  install -D -m 644 "$ROOT/demo/images/jupyter/Welcome.ipynb" \
    "$tree/usr/local/share/portal-demo/Welcome.ipynb"
  import_image "$tree" "$JUPYTER_IMAGE" \
    'CMD ["/usr/local/bin/start-notebook"]' "EXPOSE 8888" \
    "ENV PYDEVD_DISABLE_FILE_VALIDATION=1" \
    'LABEL org.opencontainers.image.title="Jupyter Notebook (Debian)"'
fi

if missing "$DESKTOP_IMAGE"; then
  echo "  building $DESKTOP_IMAGE"
  install_packages desktop "${DESKTOP_PACKAGES[@]}"
  tree="$work/desktop"
  # noVNC's web client from Debian's novnc package: only its static files
  # (the package's dependencies, Node.js among them, serve its tooling).
  chroot "$tree" sh -c 'cd /tmp && apt-get download novnc' >/dev/null 2>&1 || {
    echo "demo images: could not download Debian's novnc package" >&2
    exit 1
  }
  dpkg-deb -x "$tree"/tmp/novnc_*.deb "$work/novnc"
  cp -a "$work/novnc/usr/share/novnc" "$tree/usr/share/novnc"
  install -m 644 "$ROOT/demo/images/desktop/index.html" "$tree/usr/share/novnc/index.html"
  slim "$tree"
  install -m 755 "$ROOT/demo/images/desktop/start-desktop" "$tree/usr/local/bin/start-desktop"
  install -m 644 "$ROOT/demo/images/desktop/system.jwmrc" "$tree/etc/jwm/system.jwmrc"
  import_image "$tree" "$DESKTOP_IMAGE" \
    'CMD ["/usr/local/bin/start-desktop"]' "EXPOSE 5900" "EXPOSE 6080" \
    'LABEL org.opencontainers.image.title="Analysis desktop (Debian, VNC)"'
fi

#!/usr/bin/env bash
# Build faqbot's container image (deploy/container/Containerfile) with podman:
#   scripts/container-image.sh [TAG]          (default faqbot:latest)
#
# The base is python:3.11-slim-bookworm from a registry. Where no registry can be reached
# (or FAQBOT_CONTAINER_BASE=debootstrap), a Debian bookworm base with Python is made here with
# debootstrap from Debian's package mirror, once (localhost/faqbot-base:bookworm). A machine that
# keeps Python wheels on disk (a find-links folder, a file:// index in its pip configuration) lends
# them to the build, read-only, with the certificates pip there is told to trust, so the image
# installs what `make setup` would there (PyTorch's CPU build, not a multi-GB CUDA one).
#
# Podman's defaults need cgroup v2 and raising rlimits; on a host with neither (a hybrid cgroup
# tree, no CAP_SYS_RESOURCE: this project's own machines), it prints and uses the options that work
# (`podman_options`, below); `scripts/container-image.sh --options` prints them for `podman run`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Global and per-container options podman needs on this host, found by trying the plainest first.
podman_options() {
  local image="$1"
  if podman run --rm --network host "$image" true >/dev/null 2>&1; then
    echo "|"; return
  fi
  local limits="--ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
  if podman --runtime runc --cgroup-manager cgroupfs run --rm --network host $limits "$image" true >/dev/null 2>&1; then
    echo "--runtime runc --cgroup-manager cgroupfs|$limits"; return
  fi
  echo "podman cannot run a container on this host (tried the defaults, and runc with cgroupfs and lowered rlimits)" >&2
  return 1
}

base_image() {
  local wanted="${FAQBOT_CONTAINER_BASE:-docker.io/library/python:3.11-slim-bookworm}"
  if [ "$wanted" != debootstrap ] && { podman image exists "$wanted" || timeout 120 podman pull -q "$wanted" >/dev/null 2>&1; }; then
    echo "$wanted"; return
  fi
  local local_base=localhost/faqbot-base:bookworm
  if ! podman image exists "$local_base"; then
    command -v debootstrap >/dev/null || { echo "no registry reachable and no debootstrap (apt-get install debootstrap)" >&2; return 1; }
    local root; root="$(mktemp -d)"
    echo "== no base image from a registry: making one with debootstrap (Debian bookworm, Python 3.11)" >&2
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" \
      http://deb.debian.org/debian >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; return 1; }
    tar -C "$root" -c . | podman import -q - "$local_base" >/dev/null
    rm -rf "$root" "$root.log"
  fi
  echo "$local_base"
}

base="$(base_image)"
options="$(podman_options "$base")"
if [ "${1:-}" = --options ]; then echo "$options"; exit 0; fi
tag="${1:-faqbot:latest}"
global="${options%%|*}"
limits="${options#*|}"

# Where pip here finds packages (pip config: its files and PIP_* variables), lent to the build: the
# settings as one pip.conf, and the folders and files they name, read-only.
mounts=()
conf="$(mktemp --suffix=.conf)"
trap 'rm -f "$conf"' EXIT
{
  echo "[global]"
  python3 -m pip config list 2>/dev/null \
    | sed -nE "s/^(:env:|global)\.(cert|find-links|index-url|extra-index-url|constraint|trusted-host)='(.*)'$/\2 = \3/p" \
    | awk '!seen[$1]++'
} >"$conf"
chmod 644 "$conf"
mounts+=(-v "$conf:/etc/pip.conf:ro")
for path in $(grep -oE '(file://)?/[^ ]+' "$conf" | sed 's#^file://##' | sort -u); do
  if [ -f "$path" ]; then  # a certificate bundle pip is told to trust (a proxy's own CA), constraints
    mounts+=(-v "$path:$path:ro")
  elif [ -d "$path" ]; then
    top="/$(echo "$path" | cut -d/ -f2-3)"
    mounts+=(-v "$top:$top:ro")
  fi
done

echo "== building $tag from $base" >&2
# shellcheck disable=SC2086
podman $global build --network host $limits "${mounts[@]}" --build-arg "BASE=$base" \
  -f deploy/container/Containerfile -t "$tag" .

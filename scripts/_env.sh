# Shared by the scripts in this folder: where things live and how to run a
# command in the Python 3.14 environment. Sourced, never executed.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CACHE_DIR="${DEXCOM_OAUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dexcom_oauth}"
ROOTFS="$CACHE_DIR/sid-rootfs"
ROOTFS_PACKAGES="python3.14,python3.14-venv,python3.14-dev,gcc,g++,libc6-dev,ca-certificates,git"

log() { printf '%s\n' "$*" >&2; }

# The Home Assistant to run against: DEXCOM_OAUTH_HA=minimum (the default: the
# oldest supported, which the dev pins hold) or newest (the newest release,
# installed over the dev pins). Each has its own venv; both are kept.
HA_PROFILE="${DEXCOM_OAUTH_HA:-minimum}"
case "$HA_PROFILE" in
  minimum) NATIVE_VENV="$REPO/.venv" ;;
  newest) NATIVE_VENV="$REPO/.venv-newest-ha" ;;
  *)
    log "DEXCOM_OAUTH_HA is 'minimum' (the default) or 'newest', not '$HA_PROFILE'."
    exit 2
    ;;
esac
# In the root filesystem: a file naming the profile's venv.
CURRENT_VENV="$ROOTFS/.current-venv-$HA_PROFILE"

# A Python >= 3.14.2 on PATH, or nothing.
native_python() {
  local candidate
  for candidate in python3.14 python3.15 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c "import sys; sys.exit(sys.version_info < (3, 14, 2))" 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Run a command inside the root filesystem, with VENV (may be empty) first on
# PATH. It happens in a private mount namespace: the bind mounts and /proc made
# here vanish with the last process in it, so no mount outlives the command,
# whatever ends it, and the host never sees a mount inside the cache.
rootfs_exec() {
  local venv="$1" workdir="$PWD"
  shift
  case "$workdir/" in "$REPO"/*) ;; *) workdir="$REPO" ;; esac
  exec unshare --mount --propagation private -- /bin/sh -euc '
    root="$1"; repo="$2"; workdir="$3"; venv="$4"; shift 4
    mkdir -p "$root$repo"
    mount --rbind "$repo" "$root$repo"
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    path="/usr/local/bin:/usr/bin:/bin"
    [ -z "$venv" ] || path="$venv/bin:$path"
    exec chroot "$root" /usr/bin/env -u PIP_FIND_LINKS -u PIP_CONSTRAINT PATH="$path" HOME=/root LANG=C.UTF-8 \
      /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
  ' sh "$ROOTFS" "$REPO" "$workdir" "$venv" "$@"
}

# Run a command in the ready environment (native .venv or the root filesystem).
# A script run from inside it (a test starting scripts/develop) runs in place.
run_in_env() {
  [ -z "${DEXCOM_OAUTH_IN_ENV:-}" ] || exec "$@"
  export DEXCOM_OAUTH_IN_ENV=1
  if [ -x "$NATIVE_VENV/bin/python" ] && native_python >/dev/null; then
    PATH="$NATIVE_VENV/bin:$PATH" VIRTUAL_ENV="$NATIVE_VENV" exec "$@"
  fi
  local venv
  venv="$(cat "$CURRENT_VENV" 2>/dev/null || true)"
  [ -n "$venv" ] && [ -f "$ROOTFS$venv/.requirements-hash" ] || { log "Run scripts/setup first."; exit 1; }
  VIRTUAL_ENV="$venv" rootfs_exec "$venv" "$@"
}

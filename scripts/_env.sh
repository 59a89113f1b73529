# Shared by the scripts in this folder: where things live and how to run a
# command in the Python 3.14 environment. Sourced, never executed.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CACHE_DIR="${DEXCOM_OAUTH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dexcom_oauth}"
ROOTFS="$CACHE_DIR/sid-rootfs"
NATIVE_VENV="$REPO/.venv"
ROOTFS_PACKAGES="python3.14,python3.14-venv,python3.14-dev,gcc,g++,libc6-dev,ca-certificates,git"

log() { printf '%s\n' "$*" >&2; }

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

# Prints the pinned development requirements from pyproject.toml, then a hash
# of them and of the interpreter, on the last line. Run by the target Python.
PINS_SCRIPT='
import hashlib, sys, tomllib
with open(sys.argv[1], "rb") as fh:
    pins = tomllib.load(fh)["dependency-groups"]["dev"]
text = sys.version + "\n" + "\n".join(pins)
print("\n".join(pins))
print(hashlib.sha256(text.encode()).hexdigest()[:16])
'

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
  [ -f "$ROOTFS/.current-venv" ] || { log "Run scripts/setup first."; exit 1; }
  VIRTUAL_ENV="$(cat "$ROOTFS/.current-venv")" rootfs_exec "$(cat "$ROOTFS/.current-venv")" "$@"
}

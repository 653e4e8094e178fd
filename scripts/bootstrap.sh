#!/usr/bin/env bash
# Makes a clean clone runnable: node modules, the Temporal CLI (built from source, since no
# registry ships it), helm and kubeconform (likewise), gVisor's runsc, and python3. Idempotent and quick when all is present.
# Every prerequisite that cannot be installed ends with one line saying what to install.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

TEMPORAL_CLI_VERSION=v1.5.1 # v1.6+ carry replace directives and refuse `go install`
HELM_VERSION=v4.3.2         # helm.sh/helm/v4: renders and lints the chart (helm/sstar)
KUBECONFORM_VERSION=v0.8.0  # validates what the chart renders against vendored schemas
tools_bin="$root/.tools/bin"

say() { printf 'bootstrap: %s\n' "$*" >&2; }
fail() {
  printf 'bootstrap: missing prerequisite: %s\n' "$*" >&2
  exit 1
}

# --- node and npm packages ---------------------------------------------------------------
command -v node >/dev/null || fail "node (Node.js >= 20.3) is not on PATH; install Node.js 20 or later"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=3)?0:1)' ||
  fail "node $(node --version) is too old; install Node.js 20.3 or later"

# Reinstall only when package-lock.json changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.sstar-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing node modules (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" >"$stamp"
fi

# --- Temporal CLI (embedded dev server) ------------------------------------------------------
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || fail "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file; unset it or point it at a temporal binary"
elif [ ! -x "$tools_bin/temporal" ]; then
  command -v go >/dev/null ||
    fail "the Temporal CLI is not built and Go is not on PATH; install Go (https://go.dev/dl) or set TEMPORAL_CLI to a temporal binary"
  say "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (a few minutes, once)"
  mkdir -p "$tools_bin"
  GOBIN="$tools_bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2 ||
    fail "go install of the Temporal CLI failed (see above); set TEMPORAL_CLI to a temporal binary instead"
fi

# --- helm and kubeconform (the chart's checks; built from their Go modules, pinned) -----------
go_tool() { # name module version
  local name=$1 module=$2 version=$3 stamp="$tools_bin/.$1-version"
  if [ -x "$tools_bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return; fi
  command -v go >/dev/null || fail "$name is not built and Go is not on PATH; install Go (https://go.dev/dl)"
  say "building $name $version with go install (a few minutes, once)"
  mkdir -p "$tools_bin"
  GOBIN="$tools_bin" go install "$module@$version" >&2 || fail "go install of $module@$version failed (see above)"
  echo "$version" >"$stamp"
}
go_tool helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

# --- gVisor ------------------------------------------------------------------------------
if ! command -v runsc >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing gVisor (apt-get install runsc)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q runsc >&2; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q runsc >&2 ||
        fail "runsc (gVisor) could not be installed with apt-get; install package runsc"
    fi
  else
    fail "runsc (gVisor) is not on PATH; as root run: apt-get install runsc"
  fi
fi

# --- python3 (programs under test, and the sandbox runner) -------------------------------
command -v python3 >/dev/null || fail "python3 is not on PATH; install python3 (3.8 or later)"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' ||
  fail "python3 $(python3 --version 2>&1) is too old; install python3 3.8 or later"

exit 0

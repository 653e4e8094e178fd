#!/usr/bin/env bash
# Builds the local Kubernetes control plane the cluster suite (npm run test:cluster) installs the
# chart into (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and kwok for fake
# nodes and pod lifecycles) and kubectl, from their Go modules, pinned, into .tools/bin.
# Idempotent: a binary whose version stamp matches is not rebuilt. The first build takes minutes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_bin="$root/.tools/bin"
KUBERNETES_VERSION=v1.34.4 # scripts/kube-tools/kubernetes/go.mod pins the same
ETCD_VERSION=v3.6.16       # scripts/kube-tools/etcd/go.mod pins the same
KWOK_VERSION=v0.7.0

say() { printf 'build-kube-tools: %s\n' "$*" >&2; }
command -v go >/dev/null || { say "Go is not on PATH; install Go (https://go.dev/dl)"; exit 1; }
mkdir -p "$tools_bin"

fresh() { [ -x "$tools_bin/$1" ] && [ "$(cat "$tools_bin/.$1-version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$tools_bin/.$1-version"; }

# Without these the binaries report v0.0.0, and Helm refuses a chart whose kubeVersion is >=1.30.
ldflags="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
for component in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  fresh "$component" "$KUBERNETES_VERSION" && continue
  say "building $component $KUBERNETES_VERSION"
  (cd "$root/scripts/kube-tools/kubernetes" &&
    go build -ldflags "$ldflags" -o "$tools_bin/$component" "k8s.io/kubernetes/cmd/$component")
  stamp "$component" "$KUBERNETES_VERSION"
done

if ! fresh etcd "$ETCD_VERSION"; then
  say "building etcd $ETCD_VERSION"
  (cd "$root/scripts/kube-tools/etcd" && go build -o "$tools_bin/etcd" go.etcd.io/etcd/server/v3)
  stamp etcd "$ETCD_VERSION"
fi

if ! fresh kwok "$KWOK_VERSION"; then
  say "building kwok $KWOK_VERSION"
  GOBIN="$tools_bin" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  stamp kwok "$KWOK_VERSION"
fi

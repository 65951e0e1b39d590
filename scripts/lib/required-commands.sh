# The commands the tests and the fault agent need, and where each comes from: one list, read by
# scripts/bootstrap (it apt-get installs the Debian ones that are missing) and by .ci/run (it fails
# early, naming the command and its source, when one is still missing after the bootstrap).
# shellcheck shell=bash

# command -> Debian package: the engine, the offline base image builder, promtool for the rule checks,
# the kernel tools the fault agent's tests probe on the host, Compose for the exported compose file,
# ping for the latency and loss measurements, stress-ng for the stress mechanisms' tests on the host,
# pgrep (engine-kill tests), setpriv (an agent without NET_ADMIN) and unshare (the supervisor's PID namespace).
declare -gA debian_commands=(
  [dockerd]=docker.io [docker]=docker.io [debootstrap]=debootstrap [promtool]=prometheus
  [iptables]=iptables [ip]=iproute2 [tc]=iproute2 [nft]=nftables [openssl]=openssl
  [docker-compose]=docker-compose [ping]=iputils-ping [stress-ng]=stress-ng
  [xmllint]=libxml2-utils [chromium]=chromium
  [pgrep]=procps [setpriv]=util-linux [unshare]=util-linux
  [containerd]=containerd [ctr]=containerd [conntrack]=conntrack
)

# file -> Debian package, for what is not a command on PATH: the CNI plugins the local cluster's
# real node wires pods with (the firewall plugin because Docker sets FORWARD to DROP).
declare -gA debian_files=(
  [/usr/lib/cni/bridge]=containernetworking-plugins [/usr/lib/cni/host-local]=containernetworking-plugins
  [/usr/lib/cni/portmap]=containernetworking-plugins [/usr/lib/cni/firewall]=containernetworking-plugins
  [/usr/lib/cni/loopback]=containernetworking-plugins
)

# command -> how it gets there when it is not a Debian package.
declare -gA other_commands=(
  [pulumi]="the Pulumi toolchain that scripts/bootstrap builds (scripts/toolchain/build; PATH from scripts/env.sh)"
  [kubectl]="the Kubernetes toolchain that scripts/bootstrap builds (scripts/kubetools/build; PATH from scripts/env.sh)"
  [helm]="the Kubernetes toolchain that scripts/bootstrap builds (scripts/kubetools/build; PATH from scripts/env.sh)"
  [go]="Go >= 1.26 on PATH or at /usr/local/go/bin (Debian's is too old): the toolchain and meshkit-netdelay are built with it"
)

# Prints one line per missing command, "COMMAND: from WHERE"; returns 1 when any is missing.
missing_commands() {
  local cmd missing=0
  for cmd in "${!debian_commands[@]}"; do
    command -v "$cmd" >/dev/null || { echo "$cmd: from the Debian package ${debian_commands[$cmd]}"; missing=1; }
  done
  local file
  for file in "${!debian_files[@]}"; do
    [[ -e $file ]] || { echo "$file: from the Debian package ${debian_files[$file]}"; missing=1; }
  done
  for cmd in "${!other_commands[@]}"; do
    command -v "$cmd" >/dev/null || [[ $cmd == go && -x /usr/local/go/bin/go ]] || { echo "$cmd: from ${other_commands[$cmd]}"; missing=1; }
  done
  return "$missing"
}

# Sourced by every script and test: one place for the settings that make Pulumi, Docker and Node
# work the same offline, in CI and on a developer machine.
# shellcheck shell=bash
MESHKIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MESHKIT_ROOT
export MESHKIT_CACHE="${MESHKIT_CACHE:-$HOME/.cache/meshkit-chaos}"

# The project's own Node 22 (npm package `node`) first, then the built toolchain (see scripts/toolchain).
export PATH="$MESHKIT_ROOT/node_modules/.bin:$PATH"
# Every CLI command, engine plugin and test process loads the Pulumi SDK anew: Node's compile cache
# halves that (measured 1.7-2.0 s -> 0.9 s on a loaded 2-core machine).
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$MESHKIT_CACHE/node-compile-cache}"
# Plugins the project brings itself (the dynamic-provider host; see scripts/plugins/).
export PATH="$MESHKIT_ROOT/scripts/plugins:$PATH"
if [[ -f "$MESHKIT_ROOT/.toolchain.env" ]]; then
  # shellcheck source=/dev/null
  source "$MESHKIT_ROOT/.toolchain.env"
fi

# File backend and passphrase secrets: no account, no network.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$MESHKIT_ROOT/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE_FILE="${PULUMI_CONFIG_PASSPHRASE_FILE:-$MESHKIT_ROOT/.secrets/passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true

# Images are built by the local engine with the classic builder: no buildx plugin is needed.
export DOCKER_BUILDKIT=0

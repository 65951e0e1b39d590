# Step runner for bootstrap-style scripts: each step prints its name and how long it took;
# a failure names what failed and what to do, then exits non-zero.
# shellcheck shell=bash
_steps_started=$SECONDS

note() { printf '    %s\n' "$*"; }

fail() {
  printf 'error: %s\n  what to do: %s\n' "$1" "${2:-see the message above}" >&2
  exit 1
}

step() {
  local name="$1"; shift
  local t0=$SECONDS
  printf '==> %s\n' "$name"
  "$@"
  printf '    done in %ds\n' "$((SECONDS - t0))"
}

summary() { printf '==> all steps done in %ds\n' "$((SECONDS - _steps_started))"; }

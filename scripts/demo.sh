#!/usr/bin/env bash
# make demo: the gate's decisions on the bundled examples, as a pipeline user would see them.
set -euo pipefail
cd "$(dirname "$0")/.."
gate=target/release/approval-gate
show() {
    local title=$1; shift
    printf '\n\033[1m== %s\033[0m\n' "$title"
    set +e
    "$gate" evaluate "$@"
    local code=$?
    set -e
    echo "(exit code $code)"
}
show "a clean image (examples/findings-clean.json)" --findings examples/findings-clean.json --policy examples/policy.toml
show "an image with a critical, exploitable finding (examples/findings-critical.json)" \
    --findings examples/findings-critical.json --policy examples/policy.toml

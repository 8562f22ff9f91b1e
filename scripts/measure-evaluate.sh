#!/usr/bin/env bash
# Peak memory and wall time of `approval-gate evaluate` on a generated 10,000-finding ListFindings dump.
# Target: peak RSS <= 64 MB. Usage: scripts/measure-evaluate.sh [N]   (N findings, default 10000)
#
# Builds the release CLI and the gen_findings example, writes target/findings-<N>.json, then runs
#   /usr/bin/time -v target/release/approval-gate evaluate --findings target/findings-<N>.json \
#       --policy examples/policy.toml --json > /dev/null
# and prints the dump's size, the wall time and the maximum resident set size. Exit 1 (rejected) is a normal
# outcome of the policy on this dump; any other failure fails the script.
set -euo pipefail

cd "$(dirname "$0")/.."
n="${1:-10000}"
target="${CARGO_TARGET_DIR:-target}"
label="$n"
[ "$n" = 10000 ] && label=10k
dump="$target/findings-$label.json"
gate="$target/release/approval-gate"

if [ ! -x /usr/bin/time ]; then
    echo "measure-evaluate: /usr/bin/time is missing; installing Debian's 'time' package (apt-get)" >&2
    if ! { apt-get update -qq && apt-get install -y -qq time; } >&2; then
        echo "measure-evaluate: could not install 'time'; falling back to python3's getrusage" >&2
    fi
fi

cargo build --release -p approval-gate
cargo run --release -q -p approval-core --example gen_findings -- "$n" "$dump"

size=$(stat -c %s "$dump")
awk -v f="$dump" -v n="$n" -v b="$size" 'BEGIN { printf "dump:        %s (%d findings, %d bytes, %.1f MB)\n", f, n, b, b / 1e6 }'

cmd=("$gate" evaluate --findings "$dump" --policy examples/policy.toml --json)
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$report" "${cmd[@]}" > /dev/null || status=$?
    wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$report")
    user=$(sed -n 's/^\s*User time (seconds): //p' "$report")
    sys=$(sed -n 's/^\s*System time (seconds): //p' "$report")
    rss_kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$report")
else
    # getrusage(RUSAGE_CHILDREN).ru_maxrss is what /usr/bin/time reports, in kilobytes on Linux.
    read -r status wall user sys rss_kb < <(python3 - "${cmd[@]}" <<'EOF'
import resource, subprocess, sys, time
start = time.monotonic()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, f"{wall:.3f}s", f"{r.ru_utime:.2f}", f"{r.ru_stime:.2f}", r.ru_maxrss)
EOF
    )
fi

case "$status" in
    0) verdict=approved ;;
    1) verdict=rejected ;;
    *) echo "measure-evaluate: approval-gate exited $status" >&2; cat "$report" >&2; exit 1 ;;
esac
printf 'decision:    %s (exit %s)\n' "$verdict" "$status"
printf 'wall time:   %s (user %ss, sys %ss)\n' "$wall" "$user" "$sys"
awk -v kb="$rss_kb" 'BEGIN { printf "Maximum resident set size: %d kB (%.1f MiB; target <= 64 MB)\n", kb, kb / 1024 }'

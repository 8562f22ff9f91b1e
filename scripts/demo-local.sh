#!/usr/bin/env bash
# The whole gate on local AWS emulation, no AWS account: the recorder and decider Lambdas, built as they ship
# (profile lambda-release), run under lambda-harness against moto (DynamoDB, Inspector) and the CodePipeline
# stand-in, on the sample events in tests/fixtures/demo/. Four pipelines, four stories:
#   1. a clean image, approved when Inspector's scan finishes;
#   2. an image with a critical, exploitable finding, rejected (the summary as a pipeline user sees it);
#   3. an image whose scan finished before its approval arrived, decided on arrival;
#   4. an image Inspector cannot scan (UNSUPPORTED_OS), rejected.
# Needs those binaries (make demo-bins) and moto (make moto); `make demo` does both. Starts moto through
# scripts/with-moto.sh and the stand-in itself, and stops both on exit. Set DEMO_VERBOSE=1 for the Lambda logs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Re-run under with-moto.sh, which starts moto on a free port, exports MOTO_ENDPOINT and stops it afterwards.
if [[ -z "${MOTO_ENDPOINT:-}" ]]; then
    exec scripts/with-moto.sh "$0" "$@"
fi

bins="${GATE_BIN_DIR:-${CARGO_TARGET_DIR:-target}/lambda-release}"
for bin in approval-recorder approval-decider codepipeline-standin lambda-harness; do
    if [[ ! -x "$bins/$bin" ]]; then
        echo "demo: $bins/$bin is missing: build them with \`make demo-bins\`" >&2
        exit 2
    fi
done
python="${MOTO_VENV:-.venv/moto}/bin/python"
fixtures=tests/fixtures/demo
table=approval-gate-demo
pipeline_stage=ContainerVulnerabilityAssessment
pipeline_action=ContainerImageApproval

work="$(mktemp -d)"
standin_pid=""
cleanup() {
    if [[ -n "$standin_pid" ]] && kill -0 "$standin_pid" 2>/dev/null; then
        kill "$standin_pid" 2>/dev/null || true
        wait "$standin_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# --- the stand-in for CodePipeline (it prints `listening on http://127.0.0.1:PORT`) -------------------------
"$bins/codepipeline-standin" >"$work/standin.out" 2>&1 &
standin_pid=$!
standin=""
for _ in $(seq 100); do
    standin="$(sed -n 's/^listening on //p' "$work/standin.out")"
    [[ -n "$standin" ]] && break
    kill -0 "$standin_pid" 2>/dev/null || { cat "$work/standin.out" >&2; exit 1; }
    sleep 0.05
done
[[ -n "$standin" ]] || { echo "demo: the stand-in did not start" >&2; exit 1; }

# --- small HTTP/JSON helpers (python, so nothing beyond the moto venv is needed) -----------------------------
cat >"$work/helper.py" <<'PY'
import json, sys, urllib.request

def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
    return json.loads(text) if text.strip() else None

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "post":                       # post URL JSON
    http("POST", args[0], json.loads(args[1]) if len(args) > 1 else None)
elif cmd == "seed":                     # seed MOTO FINDINGS_FILE DIGEST: queue one ListFindings result
    text = open(args[1]).read().replace(
        "sha256:abababababababababababababababababababababababababababababababab", args[2])
    http("POST", args[0] + "/moto-api/static/inspector2/findings-results",
         {"results": [json.loads(text)["findings"]]})
elif cmd == "table":                    # table MOTO NAME: the approval table as infra/template.yaml declares it
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=args[0], region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    ddb.create_table(TableName=args[1], BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "digest", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "digest", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    ddb.update_time_to_live(TableName=args[1],
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
elif cmd == "lines":                    # lines: the harness's JSON lines on stdin, one short line each
    for raw in sys.stdin:
        line = json.loads(raw)
        if "event" not in line:
            continue
        name = line["event"].rsplit("/", 1)[-1]
        if line.get("ok"):
            resp = line.get("response")
            if isinstance(resp, dict):
                if isinstance(resp.get("digest"), str):
                    resp["digest"] = resp["digest"][:19] + "…"
                text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in resp.items()
                                 if v not in (None, [], 0))
            else:
                text = json.dumps(resp)
            print(f"   {name:<28} ok      {text}")
        else:
            print(f"   {name:<28} FAILED  {line.get('errorType')}: {line.get('errorMessage')}")
elif cmd == "results":                  # results STANDIN PIPELINE: what the pipeline received
    calls = [c for c in http("GET", args[0] + "/_standin/calls") if c.get("pipelineName") == args[1]]
    if not calls:
        print(f"   => {args[1]}: still waiting (no PutApprovalResult)")
    for c in calls:
        if c["outcome"] != "ok":
            print(f"   => {args[1]}: call refused with {c['outcome']}")
            continue
        print(f"   => {args[1]}: {c['status'].upper()}, with the summary CodePipeline shows:")
        for part in (c.get("summary") or "").split("; "):
            print(f"        {part}")
PY
helper() { "$python" "$work/helper.py" "$@"; }

# --- a fresh table ------------------------------------------------------------------------------------------
helper post "$MOTO_ENDPOINT/moto-api/reset"
helper table "$MOTO_ENDPOINT" "$table"

# CodePipeline's `expires` is a week ahead, in minute precision.
expires="$(date -u -d '+7 days' '+%Y-%m-%dT%H:%MZ')"
for f in "$fixtures"/*.json; do
    sed "s/__EXPIRES__/$expires/" "$f" >"$work/$(basename "$f")"
done

envs=(
    --env "APPROVAL_TABLE=$table"
    --env "GATE_POLICY=$(cat examples/policy.toml)"
    --env "ALLOWED_TOPIC_ARNS=arn:aws:sns:us-east-1:123456789012:ContainerApprovalTopic"
    --env "CLAIM_LEASE_SECONDS=60"
    --env "RUST_LOG=${RUST_LOG:-info}"
    --env "AWS_ENDPOINT_URL=$MOTO_ENDPOINT"
    --env "AWS_ENDPOINT_URL_CODEPIPELINE=$standin"
    --env "AWS_ACCESS_KEY_ID=test"
    --env "AWS_SECRET_ACCESS_KEY=test"
    --env "AWS_REGION=us-east-1"
    --env "AWS_EC2_METADATA_DISABLED=true"
)
log="$work/lambda.log"
[[ "${DEMO_VERBOSE:-}" == 1 ]] && log=/dev/stderr

# run recorder|decider EVENT_FILE: one invocation, printed as one short line. A function error is part of the
# story (the platform would retry), so it does not stop the demo.
run() {
    local fn="approval-$1" event="$work/$2"
    printf '   %-9s' "$1"
    "$bins/lambda-harness" --binary "$bins/$fn" --event "$event" --log-file "$log" "${envs[@]}" \
        | helper lines | sed 's/^   //' || true
}
# pending PIPELINE TOKEN: CodePipeline has this approval waiting.
pending() {
    helper post "$standin/_standin/approvals" \
        "{\"pipelineName\":\"$1\",\"stageName\":\"$pipeline_stage\",\"actionName\":\"$pipeline_action\",\"token\":\"$2\"}"
}
digest() { printf 'sha256:%064d' 0 | sed "s/0/$1/g"; }

bold "approval gate demo: moto at $MOTO_ENDPOINT, CodePipeline stand-in at $standin, policy examples/policy.toml"

bold "1. shop-main pushes a clean image; the approval waits for Inspector, then the scan finishes"
pending shop-main 11111111-7d4a-4e8b-9a51-2c6d8e0f1a7b
run recorder approval-clean.json
helper seed "$MOTO_ENDPOINT" examples/findings-clean.json "$(digest 1)"
run decider scan-clean.json
helper results "$standin" shop-main

bold "2. shop-xz-bump pushes an image with a critical, exploitable finding (CVE-2024-3094)"
pending shop-xz-bump 22222222-7d4a-4e8b-9a51-2c6d8e0f1a7b
run recorder approval-critical.json
helper seed "$MOTO_ENDPOINT" examples/findings-critical.json "$(digest 2)"
run decider scan-critical.json
helper results "$standin" shop-xz-bump

bold "3. shop-rebuild: Inspector finished scanning before the approval arrived"
helper seed "$MOTO_ENDPOINT" examples/findings-clean.json "$(digest 3)"
run decider scan-early.json
pending shop-rebuild 33333333-7d4a-4e8b-9a51-2c6d8e0f1a7b
run recorder approval-early.json
helper results "$standin" shop-rebuild

bold "4. shop-distroless pushes an image Inspector cannot scan (INACTIVE, UNSUPPORTED_OS)"
pending shop-distroless 44444444-7d4a-4e8b-9a51-2c6d8e0f1a7b
run recorder approval-unscannable.json
run decider coverage-unscannable.json
helper results "$standin" shop-distroless

echo

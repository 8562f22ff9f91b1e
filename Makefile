# approval-gate: the two commands a user needs are `make demo` and `make test`; `make lint` is what CI adds.
# Every tool is installed here, pinned, into .venv/ (moto, cfn-lint, checkov, cargo-lambda).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
PYTHON ?= python3
MOTO_VENV ?= .venv/moto
MOTO_STAMP = $(MOTO_VENV)/.installed-$(shell cat scripts/moto-requirements.txt | cksum | cut -d' ' -f1)
LAMBDA_BINS = -p approval-recorder -p approval-decider
RELEASE_BINS = $(LAMBDA_BINS) -p approval-gate -p codepipeline-standin -p lambda-harness

.PHONY: build release release-lambdas demo-bins test lint fmt fmt-check clippy demo bench moto clean help

help:
	@echo "make demo    - the whole gate on local AWS emulation (no AWS account)"
	@echo "make test    - every test: unit, property, adapters on moto, end to end"
	@echo "make lint    - rustfmt check, clippy -D warnings, cfn-lint and checkov on infra/"
	@echo "make build   - debug build of the workspace; make release - release binaries"
	@echo "make bench   - criterion benchmark of parse + evaluate; Lambda init, first event, peak RSS, size"
	@echo "make fuzz    - cargo fuzz every target for FUZZ_SECONDS (default 60) each; make fuzz-check replays"
	@echo "make package / make deploy - arm64 Lambda build with cargo-lambda / sam deploy"

build:
	$(CARGO) build --workspace --all-targets

release:
	$(CARGO) build --release $(RELEASE_BINS)

# The end-to-end suite and the demo run the Lambdas as they ship: the lambda-release profile (Cargo.toml), the
# one `make package` builds for arm64. The suite links the stand-in and the harness in as libraries.
release-lambdas:
	$(CARGO) build --profile lambda-release $(LAMBDA_BINS)

demo-bins:
	$(CARGO) build --profile lambda-release $(RELEASE_BINS)

$(MOTO_STAMP): scripts/moto-requirements.txt
	@echo "==> installing moto server into $(MOTO_VENV)"
	$(PYTHON) -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/moto-requirements.txt
	touch $@

moto: $(MOTO_STAMP)

# Unit and property tests, the adapters through the real SDK on a moto server started (and stopped) by
# scripts/with-moto.sh on a free loopback port, and the end-to-end suite on the release binaries.
test: moto release-lambdas
	MOTO_VENV=$(MOTO_VENV) scripts/with-moto.sh $(CARGO) test --workspace
	$(MAKE) --no-print-directory fuzz-check

fmt:
	$(CARGO) fmt --all
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --all

fmt-check:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --manifest-path fuzz/Cargo.toml --all-targets --locked -- -D warnings

lint: fmt-check clippy infra-lint

# The whole flow on one machine: moto (DynamoDB, Inspector), the CodePipeline stand-in, and the real release
# binaries of both Lambdas under a local Lambda Runtime API, playing the bundled events.
demo: moto demo-bins
	scripts/demo-local.sh

# Criterion's parse + evaluate figures, then the Lambdas' cold start, first event and footprint (tests/bench/).
# The Lambda bench only drives processes, so it builds in the dev profile; the Lambdas it measures are lambda-release.
bench: moto release-lambdas
	$(CARGO) bench -p approval-core --bench evaluate
	MOTO_VENV=$(MOTO_VENV) scripts/with-moto.sh $(CARGO) bench -p approval-e2e --bench lambdas --profile dev

clean:
	$(CARGO) clean
	rm -rf .venv

include mk/infra.mk
include mk/fuzz.mk

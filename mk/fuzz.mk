# mk/fuzz.mk — coverage-guided fuzzing of the parsers and the policy with cargo fuzz (libFuzzer).
#
#   make fuzz                          every target for FUZZ_SECONDS (default 60) each, one after another
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=policy_toml
#   make fuzz-check                    replay the seeds and fuzz/regressions/ through the targets' checks (stable)
#
# fuzz/ is its own Cargo workspace, so the main build never compiles libFuzzer. cargo fuzz needs a nightly
# toolchain for its sanitizer flags; cargo-fuzz itself is installed pinned under .tools/. A crash leaves its
# input in fuzz/artifacts/TARGET/: copy it to fuzz/regressions/TARGET/ with the fix, so fuzz-check replays it.

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_TARGETS_ALL)
FUZZ_TOOLCHAIN ?= nightly
# Hangs (10 s an input) and allocations over 512 MB count as crashes; inputs up to 64 KiB.
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 -print_final_stats=1
CARGO_FUZZ_VERSION = 0.13.2
CARGO_FUZZ = .tools/cargo-fuzz/bin/cargo-fuzz

FIXTURES = crates/approval-core/tests/fixtures
# Each target's corpus starts from the fixtures of its payload (the same lists fuzz/tests/replay.rs replays).
fuzz_seeds_sns_approval = $(FIXTURES)/sns $(FIXTURES)/notifications
fuzz_seeds_inspector_scan = $(FIXTURES)/events
fuzz_seeds_inspector_coverage = $(FIXTURES)/events
fuzz_seeds_findings_dump = $(FIXTURES)/findings
fuzz_seeds_policy_toml = $(FIXTURES)/policies
fuzz_seeds_evaluate_invariants = fuzz/seeds/evaluate_invariants

FUZZ_TARGETS_ALL = sns_approval inspector_scan inspector_coverage findings_dump policy_toml evaluate_invariants

.PHONY: fuzz fuzz-check fuzz-tools $(addprefix fuzz-run-,$(FUZZ_TARGETS_ALL))

$(CARGO_FUZZ):
	$(CARGO) install --locked --root .tools/cargo-fuzz cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz-tools: $(CARGO_FUZZ)
	@rustup run $(FUZZ_TOOLCHAIN) rustc --version >/dev/null 2>&1 || { \
		echo "error: cargo fuzz needs the $(FUZZ_TOOLCHAIN) toolchain: rustup toolchain install $(FUZZ_TOOLCHAIN)" >&2; exit 1; }

# One after another: each run is given the machine's cores through libFuzzer's own process.
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

# libFuzzer writes new inputs to the first directory (fuzz/corpus/TARGET, not committed) and only reads the seeds.
$(addprefix fuzz-run-,$(FUZZ_TARGETS_ALL)): fuzz-run-%: fuzz-tools
	@mkdir -p fuzz/corpus/$*
	@echo "==> fuzz $* for $(FUZZ_SECONDS) s (seeds: $(fuzz_seeds_$*))"
	PATH="$(abspath .tools/cargo-fuzz/bin):$$PATH" rustup run $(FUZZ_TOOLCHAIN) cargo fuzz run --fuzz-dir fuzz \
		$* fuzz/corpus/$* $(fuzz_seeds_$*) -- -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS)

# --locked: fuzz/Cargo.lock is committed. After a dependency change in approval-core, refresh it with
# `cargo update --manifest-path fuzz/Cargo.toml --workspace`.
fuzz-check:
	$(CARGO) test --manifest-path fuzz/Cargo.toml --locked

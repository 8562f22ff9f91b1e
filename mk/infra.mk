# mk/infra.mk — lint the CloudFormation/SAM templates in infra/, build the Lambda binaries, deploy.
#
# Included by the top-level Makefile; also works on its own from the repository root:
#   make -f mk/infra.mk infra-lint
# Every tool is pinned and installed into its own virtualenv under .venv/, so a clean machine needs only
# python3 (with venv) and the package registry. Linting itself runs offline.

INFRA_PYTHON ?= python3
INFRA_VENV ?= .venv/infra
CHECKOV_VENV ?= .venv/checkov
LAMBDA_VENV ?= .venv/lambda

CFN_LINT_VERSION = 1.58.0
CHECKOV_VERSION = 3.3.30
CARGO_LAMBDA_VERSION = 1.9.2

INFRA_DIR ?= infra
# Every *.yaml in infra/ is a CloudFormation template; buildspecs are *.yml and only checked for syntax.
INFRA_TEMPLATES = $(sort $(wildcard $(INFRA_DIR)/*.yaml))
INFRA_BUILDSPECS = $(sort $(wildcard $(INFRA_DIR)/buildspec*.yml))
# Transitive pins, so CI installs exactly what was linted with here (regenerate with `make infra-lock`).
INFRA_CONSTRAINTS_DIR = $(INFRA_DIR)/constraints
INFRA_LAMBDAS = approval-recorder approval-decider
INFRA_RUST_TARGET = aarch64-unknown-linux-gnu
# Issue 5's size budget for each Lambda binary (8 MB).
LAMBDA_SIZE_BUDGET = 8000000
INFRA_CARGO_TARGET_DIR = $(or $(CARGO_TARGET_DIR),target)

# Checkov and moto want different boto3 versions, and checkov drags networkx back to 2.x: each tool gets a venv.
# The version is part of the stamp's name, so bumping a pin reinstalls and a second run is instant.
CFN_LINT_STAMP = $(INFRA_VENV)/.installed-cfn-lint-$(CFN_LINT_VERSION)
CHECKOV_STAMP = $(CHECKOV_VENV)/.installed-checkov-$(CHECKOV_VERSION)
CARGO_LAMBDA_STAMP = $(LAMBDA_VENV)/.installed-cargo-lambda-$(CARGO_LAMBDA_VERSION)

INFRA_PIP_FLAGS = --quiet --disable-pip-version-check --no-input

.PHONY: infra-tools infra-lint infra-cfn-lint infra-checkov infra-lock infra-rust-target infra-require-sam package deploy

infra-tools: $(CFN_LINT_STAMP) $(CHECKOV_STAMP)

# infra_venv_install(venv, stamp, constraints file, requirement)
define infra_venv_install
	@test -x $(1)/bin/python || $(INFRA_PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install $(INFRA_PIP_FLAGS) $(if $(wildcard $(3)),-c $(3)) '$(4)'
	@touch $(2)
endef

$(CFN_LINT_STAMP): $(wildcard $(INFRA_CONSTRAINTS_DIR)/cfn-lint.txt)
	$(call infra_venv_install,$(INFRA_VENV),$@,$(INFRA_CONSTRAINTS_DIR)/cfn-lint.txt,cfn-lint==$(CFN_LINT_VERSION))

$(CHECKOV_STAMP): $(wildcard $(INFRA_CONSTRAINTS_DIR)/checkov.txt)
	$(call infra_venv_install,$(CHECKOV_VENV),$@,$(INFRA_CONSTRAINTS_DIR)/checkov.txt,checkov==$(CHECKOV_VERSION))

$(CARGO_LAMBDA_STAMP): $(wildcard $(INFRA_CONSTRAINTS_DIR)/cargo-lambda.txt)
	$(call infra_venv_install,$(LAMBDA_VENV),$@,$(INFRA_CONSTRAINTS_DIR)/cargo-lambda.txt,cargo-lambda==$(CARGO_LAMBDA_VERSION))

# Rewrites the constraints files from the installed venvs (run after bumping a pin and `make infra-tools`).
INFRA_LOCK_HEADER = \# Dependencies of the pinned tool, written by make infra-lock (a pip constraints file; the pin itself is in mk/infra.mk).
infra-lock: infra-tools $(CARGO_LAMBDA_STAMP)
	@mkdir -p $(INFRA_CONSTRAINTS_DIR)
	{ echo '$(INFRA_LOCK_HEADER)'; $(INFRA_VENV)/bin/python -m pip freeze --exclude cfn-lint; } \
		> $(INFRA_CONSTRAINTS_DIR)/cfn-lint.txt
	{ echo '$(INFRA_LOCK_HEADER)'; $(CHECKOV_VENV)/bin/python -m pip freeze --exclude checkov; } \
		> $(INFRA_CONSTRAINTS_DIR)/checkov.txt
	{ echo '$(INFRA_LOCK_HEADER)'; $(LAMBDA_VENV)/bin/python -m pip freeze --exclude cargo-lambda; } \
		> $(INFRA_CONSTRAINTS_DIR)/cargo-lambda.txt
	@touch $(CFN_LINT_STAMP) $(CHECKOV_STAMP) $(CARGO_LAMBDA_STAMP)

infra-lint: infra-cfn-lint infra-checkov

# `--non-zero-exit-code warning`: a warning fails the build just like an error.
infra-cfn-lint: $(CFN_LINT_STAMP)
	$(INFRA_VENV)/bin/cfn-lint --non-zero-exit-code warning -- $(INFRA_TEMPLATES)
	$(INFRA_VENV)/bin/python -c 'import sys, yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' $(INFRA_BUILDSPECS)
	@echo "cfn-lint $(CFN_LINT_VERSION): no errors or warnings in $(INFRA_TEMPLATES)"

# Skips live in the templates (Metadata.checkov.skip, each with its reason), never on this command line.
# Checkov logs "Failed to create a new template with enriched resources" for template.yaml: it cannot merge SAM
# Globals past the Fn::ForEach entry, so every property a check reads is set on the functions themselves.
infra-checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation \
		$(addprefix -f ,$(INFRA_TEMPLATES))

infra-rust-target:
	@command -v rustup >/dev/null 2>&1 || { \
		echo "error: rustup not found; the arm64 Lambda build needs rustup to add the $(INFRA_RUST_TARGET) target" >&2; exit 1; }
	@rustup target list --installed | grep -qx '$(INFRA_RUST_TARGET)' || rustup target add $(INFRA_RUST_TARGET) || { \
		echo "error: could not add the Rust target $(INFRA_RUST_TARGET) (the rustup dist server must be reachable);" \
		     "run 'rustup target add $(INFRA_RUST_TARGET)' where it is, then 'make package' again" >&2; exit 1; }

# cargo-lambda cross-compiles with the zig that the PyPI package brings along (the venv's python finds it).
# Measured (arm64, lambda-release): approval-recorder 5,851,360 bytes, approval-decider 5,712,832; budget 8 MB.
package: $(CARGO_LAMBDA_STAMP) infra-rust-target
	PATH="$(abspath $(LAMBDA_VENV))/bin:$$PATH" cargo lambda build --profile lambda-release --arm64 $(addprefix -p ,$(INFRA_LAMBDAS))
	@for name in $(INFRA_LAMBDAS); do \
		f=$(INFRA_CARGO_TARGET_DIR)/lambda/$$name/bootstrap; \
		test -f "$$f" || { echo "error: $$f was not built" >&2; exit 1; }; \
		size=$$(stat -c %s "$$f"); \
		printf '%-18s %10s bytes (%s)  %s\n' "$$name" "$$size" "$$(numfmt --to=iec-i --suffix=B "$$size")" "$$f"; \
		test "$$size" -le $(LAMBDA_SIZE_BUDGET) || { \
			echo "error: $$name is over the $(LAMBDA_SIZE_BUDGET)-byte budget (a bigger binary loads slower)" >&2; exit 1; }; \
	done

infra-require-sam:
	@command -v sam >/dev/null 2>&1 || { \
		echo "error: the AWS SAM CLI ('sam') is not installed; install it (see" \
		     "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html)," \
		     "configure AWS credentials, then run 'make deploy' again" >&2; exit 1; }

# SAM's rust-cargolambda build method is still a beta feature; it calls `cargo lambda build --release` from PATH.
# Cargo's environment override makes that release build the lambda-release profile (opt-level "z"), so SAM ships
# the binaries `make package` measures and the end-to-end suite tests.
# CAPABILITY_AUTO_EXPAND: the template uses the AWS::LanguageExtensions transform (Fn::ForEach).
deploy: infra-require-sam $(CARGO_LAMBDA_STAMP) infra-rust-target
	CARGO_PROFILE_RELEASE_OPT_LEVEL=z PATH="$(abspath $(LAMBDA_VENV))/bin:$$PATH" \
		sam build --beta-features --template $(INFRA_DIR)/template.yaml
	sam deploy --guided --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND

#!/usr/bin/env bash
# Offline Terraform checks for imgpipe, called by mk/20-terraform.mk.
#
#   tf.sh work              copy modules/, terraform/, examples/ and the stand-in
#                           fixture to $TF_TOOLS/work (checks run there, so
#                           nothing, not even a lock file, is written into the repo)
#   tf.sh provider-real     use the real hashicorp/aws if the registry answers
#   tf.sh provider-standin  use the schema-only stand-in (tools/tfstandin)
#   tf.sh fmt|lint|sec|validate|test
#
# Environment (set by the Makefile): TF, TFLINT, TFSEC, TF_TOOLS,
# AWS_PROVIDER_VERSION, STANDIN_MIRROR, TF_PLATFORM; TF_PROVIDER=standin skips
# the registry probe.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$TF_TOOLS/work
RC=$TF_TOOLS/terraformrc
REAL_MIRROR=$TF_TOOLS/mirror-real
# Folders holding Terraform code (test/fixtures: the root configurations the
# Terratest suites deploy), and the stand-in's own fixture (validated and
# tested, but not linted: it is a test input, not a module).
TREES=(modules terraform examples test/fixtures)
FIXTURE=tools/tfstandin/testdata/fixture

# Always explicit: on some machines the default points at a missing file.
export TF_CLI_CONFIG_FILE=$RC
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
unset TF_PLUGIN_CACHE_DIR TF_WORKSPACE

say() { printf '%s\n' "$*"; }
fail() { printf '%s\n' "$*" >&2; exit 1; }

# config_dirs lists, relative to the work copy, every folder holding .tf files.
config_dirs() {
	local t trees=()
	for t in "${TREES[@]}"; do
		[ -d "$WORK/$t" ] && trees+=("$t")
	done
	[ ${#trees[@]} -gt 0 ] || return 0
	(cd "$WORK" && find "${trees[@]}" -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u)
}

data_dir() { printf '%s/data/%s' "$TF_TOOLS" "${1//\//__}"; }

# run_each CHECK FUNC DIR...: runs FUNC in each DIR, prints one line per folder,
# the tool's output for a failing one, and fails at the end if any failed.
run_each() {
	local check=$1 fn=$2 failed=() out
	shift 2
	[ $# -gt 0 ] || { say "$check: no Terraform folders found"; return 0; }
	for d in "$@"; do
		if out=$("$fn" "$d" 2>&1); then
			say "$check: ok      $d"
		else
			printf '%s\n' "$out" | sed "s|^|$check [$d] |"
			say "$check: FAILED  $d"
			failed+=("$d")
		fi
	done
	[ ${#failed[@]} -eq 0 ] || fail "$check: failed in: ${failed[*]}"
}

cmd_work() {
	rm -rf "$WORK" && mkdir -p "$WORK/$(dirname "$FIXTURE")"
	for t in "${TREES[@]}"; do
		[ -d "$ROOT/$t" ] && mkdir -p "$(dirname "$WORK/$t")" && cp -r "$ROOT/$t" "$WORK/$t"
	done
	cp -r "$ROOT/$FIXTURE" "$WORK/$FIXTURE"
	# Local leftovers never take part. Lock files go too unless the real
	# provider is in use: they hold the real provider's hashes, and
	# init would reject the stand-in.
	find "$WORK" \( -name .terraform -o -name '*.tfstate' -o -name '*.tfstate.backup' \) -prune -exec rm -rf {} +
	if ! grep -q "$REAL_MIRROR" "$RC" 2>/dev/null; then
		find "$WORK" -name .terraform.lock.hcl -delete
	fi
	localise_git_sources
}

# localise_git_sources: a consumer example sources a module of this
# repository by git URL and release tag (examples/processing-from-release),
# which an offline init cannot fetch. In the work copy only, such a source
# becomes the local modules/<name> of this commit. The tag must be the
# newest release in CHANGELOG.md, so the example never points at an old or
# unreleased version.
localise_git_sources() {
	local git_re='git::https://github\.com/[A-Za-z0-9_.-]+/imgpipe\.git//modules/([a-z0-9-]+)\?ref=v([0-9A-Za-z.+-]+)'
	local latest f dir rel ref
	latest=$(sed -n 's/^## \[\([0-9][^]]*\)\] - .*/\1/p' "$ROOT/CHANGELOG.md" 2>/dev/null | head -n 1)
	while IFS= read -r f; do
		[ -n "$latest" ] || fail "tf-work: ${f#"$WORK"/} sources a release by git URL, but CHANGELOG.md names no release"
		while IFS= read -r ref; do
			[ "$ref" = "$latest" ] || fail "tf-work: ${f#"$WORK"/} pins ?ref=v$ref, but the newest release in CHANGELOG.md is $latest"
		done < <(grep -oE "$git_re" "$f" | sed -E "s#.*\?ref=v##")
		dir=$(dirname "$f")
		rel=$(realpath --relative-to="$dir" "$WORK/modules")
		sed -i -E "s#\"$git_re\"#\"$rel/\\1\"#" "$f"
		! grep -qE "$git_re" "$f" || fail "tf-work: could not localise the git source in ${f#"$WORK"/}"
	done < <(grep -rlE --include='*.tf' "$git_re" "$WORK" || true)
}

write_rc() { # write_rc MIRROR_DIR
	local tmp=$RC.tmp
	mkdir -p "$TF_TOOLS"
	cat >"$tmp" <<-RC
	# Written by tools/tf/tf.sh: hashicorp/aws comes from a local mirror only.
	provider_installation {
	  filesystem_mirror {
	    path    = "$1"
	    include = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]
	  }
	  direct {
	    exclude = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]
	  }
	}
	RC
	mv "$tmp" "$RC"
}

cmd_provider_real() {
	[ "${TF_PROVIDER:-auto}" != standin ] || return 1
	local host
	for host in registry.terraform.io registry.opentofu.org; do
		if [ -d "$REAL_MIRROR/$host/hashicorp/aws/$AWS_PROVIDER_VERSION" ] || [ -n "$(ls "$REAL_MIRROR/$host/hashicorp/aws/"*"$AWS_PROVIDER_VERSION"* 2>/dev/null)" ]; then
			write_rc "$REAL_MIRROR"
			return 0
		fi
	done
	# Probe: mirror the real provider once (fails within a second offline).
	local probe tmp
	probe=$(mktemp -d) tmp=$REAL_MIRROR.tmp
	printf 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "%s"\n    }\n  }\n}\n' "$AWS_PROVIDER_VERSION" >"$probe/versions.tf"
	: >"$probe/empty.tfrc"
	rm -rf "$tmp"
	if (cd "$probe" && TF_CLI_CONFIG_FILE=$probe/empty.tfrc timeout 600 "$TF" providers mirror -platform="$TF_PLATFORM" "$tmp") >"$probe/log" 2>&1; then
		rm -rf "$REAL_MIRROR" && mv "$tmp" "$REAL_MIRROR" && rm -rf "$probe"
		say "tf-provider: using the real hashicorp/aws $AWS_PROVIDER_VERSION (mirrored into $REAL_MIRROR)"
		write_rc "$REAL_MIRROR"
		return 0
	fi
	rm -rf "$probe" "$tmp"
	return 1
}

cmd_provider_standin() {
	say "tf-provider: registry unreachable (or TF_PROVIDER=standin): checking against the schema-only stand-in hashicorp/aws $AWS_PROVIDER_VERSION (tools/tfstandin)"
	write_rc "$STANDIN_MIRROR"
}

cmd_fmt() {
	local targets=() t
	for t in "${TREES[@]}" "$FIXTURE"; do
		[ -d "$ROOT/$t" ] && targets+=("$t")
	done
	run_each tf-fmt fmt_one "${targets[@]}"
}
fmt_one() {
	(cd "$ROOT" && "$TF" fmt -check -recursive -diff -no-color "$1") || {
		echo "run: $TF fmt -recursive $1"
		return 1
	}
}

init_dir() {
	TF_DATA_DIR=$(data_dir "$1") "$TF" -chdir="$WORK/$1" init -backend=false -input=false -no-color >"$(data_dir "$1").init.log" 2>&1 ||
		{ cat "$(data_dir "$1").init.log"; return 1; }
}

validate_one() {
	mkdir -p "$(data_dir "$1")"
	init_dir "$1" && TF_DATA_DIR=$(data_dir "$1") "$TF" -chdir="$WORK/$1" validate -no-color
}
cmd_validate() {
	[ -f "$RC" ] || fail "tf-validate: $RC missing (run make tf-provider)"
	mapfile -t dirs < <(config_dirs)
	run_each tf-validate validate_one "${dirs[@]}" "$FIXTURE"
}

test_one() {
	mkdir -p "$(data_dir "$1")"
	init_dir "$1" && TF_DATA_DIR=$(data_dir "$1") "$TF" -chdir="$WORK/$1" test -no-color
}
cmd_test() {
	local d dirs=()
	while read -r d; do
		if compgen -G "$WORK/$d/tests/*.tftest.hcl" >/dev/null || compgen -G "$WORK/$d/*.tftest.hcl" >/dev/null; then
			dirs+=("$d")
		fi
	done < <(config_dirs; echo "$FIXTURE")
	run_each tf-test test_one "${dirs[@]}"
}

lint_one() {
	"$TFLINT" --chdir="$WORK/$1" --config="$ROOT/.tflint.hcl" --no-color --format=compact
}
cmd_lint() {
	mapfile -t dirs < <(config_dirs)
	run_each tf-lint lint_one "${dirs[@]}"
}

sec_one() {
	"$TFSEC" "$WORK/$1" --no-color --concise-output --exclude-downloaded-modules
}
cmd_sec() {
	mapfile -t dirs < <(config_dirs)
	run_each tf-sec sec_one "${dirs[@]}"
}

case ${1:-} in
work) cmd_work ;;
provider-real) cmd_provider_real ;;
provider-standin) cmd_provider_standin ;;
fmt) cmd_fmt ;;
lint) cmd_lint ;;
sec) cmd_sec ;;
validate) cmd_validate ;;
test) cmd_test ;;
*) fail "usage: $0 work|provider-real|provider-standin|fmt|lint|sec|validate|test" ;;
esac

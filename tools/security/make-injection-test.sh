#!/usr/bin/env bash
# Proves that values reaching the Makefile from outside (workflow inputs,
# a tag name, a command line) are treated as data: `make -n` of the targets
# that receive them runs nothing they contain, the commands it would run
# never contain them (recipes read them as quoted shell variables), and the
# input checks reject them. Called by `make test-injection` (in `make test`).
#
#   make-injection-test.sh MAKE_BIN ROOT
set -euo pipefail

MAKE_BIN=${1:?usage: $0 MAKE_BIN ROOT}
ROOT=${2:?usage: $0 MAKE_BIN ROOT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
marker=$tmp/markers
mkdir "$marker"
failures=0
fail() { printf 'test-injection: FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }

# Every payload tries to create a file in $marker: make's $(shell), a
# quote break-out, shell command substitution, backticks, a newline.
payloads=(
	"\$(shell touch $marker/make-shell)"
	"'; touch $marker/single-quote; echo '"
	"\"; touch $marker/double-quote; echo \""
	"\$(touch $marker/command-substitution)"
	"\`touch $marker/backticks\`"
	"x\$(shell touch $marker/make-shell-suffix)' -x '"
	$'x\ntouch '"$marker/newline"
	"\$\$(touch $marker/escaped-dollar)"
)

# The check itself must be able to fail: a recipe that pastes a variable
# (as the integration fragment once did) runs the first payload.
printf 'probe:\n\techo "$(V)"\n' >"$tmp/vulnerable.mk"
"$MAKE_BIN" -n -s -f "$tmp/vulnerable.mk" probe V="$(printf '$(shell touch %s/probe)' "$tmp")" >/dev/null 2>&1 || true
[ -e "$tmp/probe" ] || fail "self-check: a vulnerable makefile did not run the payload, so this test proves nothing"

# dry_run VAR TARGET PAYLOAD: make -n with VAR=PAYLOAD on the command line
# and in the environment; the printed commands must not hold the payload.
dry_run() {
	local var=$1 target=$2 payload=$3 out
	out=$(cd "$tmp" && "$MAKE_BIN" -n -s -C "$ROOT" "$target" "$var=$payload" 2>&1) || true
	if [[ $out == *"touch $marker"* ]]; then
		fail "make -n $target $var=<payload> prints a command holding the payload: $(printf %q "$payload")"
	fi
	out=$(cd "$tmp" && env "$var=$payload" "$MAKE_BIN" -n -s -C "$ROOT" "$target" 2>&1) || true
	if [[ $out == *"touch $marker"* ]]; then
		fail "$var=<payload> make -n $target prints a command holding the payload: $(printf %q "$payload")"
	fi
}

# rejects TARGET VAR PAYLOAD: the input check refuses the value, naming VAR.
rejects() {
	local target=$1 var=$2 payload=$3 out
	if out=$(cd "$tmp" && "$MAKE_BIN" -s -C "$ROOT" "$target" "$var=$payload" 2>&1); then
		fail "make $target accepted $var=$(printf %q "$payload")"
	elif [[ $out != *"$var"* ]]; then
		fail "make $target refused $var=$(printf %q "$payload") without naming $var: $out"
	fi
}

# accepts TARGET VAR VALUE: a legitimate value passes the input check.
accepts() {
	local target=$1 var=$2 value=$3 out
	out=$(cd "$tmp" && "$MAKE_BIN" -s -C "$ROOT" "$target" "$var=$value" 2>&1) ||
		fail "make $target refused the valid $var=$(printf %q "$value"): $out"
}

for p in "${payloads[@]}"; do
	dry_run INTEGRATION_RUN test-integration "$p"
	rejects integration-inputs INTEGRATION_RUN "$p"
	dry_run RUN clean-integration "$p"
	rejects clean-integration RUN "$p"
	dry_run VERSION release "$p"
	rejects release-inputs VERSION "$p"
done
for v in . TestStack 'TestStack|TestStorageModule' '^TestStack$' 'TestStack/bucket_is_versioned'; do
	accepts integration-inputs INTEGRATION_RUN "$v"
done
for v in 0.2.0 1.10.3 2.0.0-rc.1; do
	accepts release-inputs VERSION "$v"
done
for v in v0.2.0 0.2 01.2.3 ''; do
	rejects release-inputs VERSION "$v"
done

left=$(ls -A "$marker")
[ -z "$left" ] || fail "payloads ran: created $(echo "$left" | tr '\n' ' ')"
[ "$failures" -eq 0 ] || { echo "test-injection: $failures failure(s)" >&2; exit 1; }
echo "test-injection: ${#payloads[@]} payloads, none ran or reached a command; the input checks reject them"

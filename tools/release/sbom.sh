#!/usr/bin/env bash
# CycloneDX SBOM of the Lambda's Go dependencies, for `make release`.
#
#   sbom.sh CYCLONEDX_GOMOD VERSION MAIN_PKG OUT BUILD_TAGS
#
# cyclonedx-gomod's app mode lists exactly the modules linked into the main
# package under the given build constraints (the same as build-lambda's).
# It takes the main module's version from git: the tag on HEAD, else a
# pseudo-version, and it fails in a linked worktree. So it runs on a
# snapshot of the checkout's files (tracked and untracked, not ignored) in a
# fresh repository whose one commit, with fixed dates, is tagged v$VERSION:
# the SBOM names the version being released whatever the checkout is (a
# worktree, CI's shallow clone, an untagged commit), and the same files
# give the same SBOM.
set -euo pipefail

CDX=${1:?usage: $0 CYCLONEDX_GOMOD VERSION MAIN_PKG OUT}
VERSION=${2:?}
MAIN=${3:?}
OUT=${4:?}
TAGS=${5:?}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
	tar --null --files-from=- --ignore-failed-read --warning=no-failed-read -cf - 2>/dev/null) |
	tar -xf - -C "$snap"
export GIT_AUTHOR_NAME=imgpipe-release GIT_AUTHOR_EMAIL=release@imgpipe.invalid
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=1980-01-01T00:00:00Z GIT_COMMITTER_DATE=1980-01-01T00:00:00Z
git -C "$snap" init -q
git -C "$snap" add -A
git -C "$snap" -c commit.gpgsign=false commit -q -m "imgpipe $VERSION"
git -C "$snap" -c tag.gpgsign=false tag "v$VERSION"

CGO_ENABLED=0 GOOS=linux GOARCH=arm64 GOFLAGS=-tags=$TAGS \
	"$CDX" app -json -licenses -std -noserial -notimestamp -main "$MAIN" -output "$OUT" "$snap"

# The SBOM must name the release and the Lambda runtime library, and hold
# no path of the snapshot.
grep -q '"version": "v'"$VERSION"'"' "$OUT" || { echo "sbom: $OUT does not name version v$VERSION" >&2; exit 1; }
grep -q '"name": "github.com/aws/aws-lambda-go"' "$OUT" || { echo "sbom: $OUT does not list github.com/aws/aws-lambda-go" >&2; exit 1; }
if grep -q "$snap" "$OUT"; then echo "sbom: $OUT holds the snapshot path $snap" >&2; exit 1; fi

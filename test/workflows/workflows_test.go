// Package workflows checks the GitHub Actions workflows of the repository:
// every action pinned by commit, and no expression pasted into a script.
package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/imgpipe/imgpipe/test/itest"
)

var (
	// owner/repo[/path]@<40 hex>: a full commit SHA, which no one can move.
	pinnedUses = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)
	// The comment beside it names the release the SHA is: "# v1.2.3".
	tagComment = regexp.MustCompile(`^# v[0-9]+\.[0-9]+\.[0-9]+$`)
	// An expression inside a run script is pasted into the shell as code.
	expression = regexp.MustCompile(`\$\{\{`)
)

// step is one step of a job, with the YAML nodes the checks need.
type step struct {
	file, job, name string
	uses, run       *yaml.Node
}

func workflowSteps(t *testing.T) []step {
	t.Helper()
	repo, err := itest.RepoRoot(".")
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no workflows found")
	var steps []step
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(raw, &doc), f)
		jobs := mapValue(doc.Content[0], "jobs")
		require.NotNil(t, jobs, "%s has no jobs", f)
		for i := 0; i+1 < len(jobs.Content); i += 2 {
			job := jobs.Content[i].Value
			for n, s := range seq(mapValue(jobs.Content[i+1], "steps")) {
				name := job + " step " + strconv.Itoa(n+1)
				if v := mapValue(s, "name"); v != nil {
					name = job + ": " + v.Value
				} else if v := mapValue(s, "uses"); v != nil {
					name = job + ": " + v.Value
				}
				steps = append(steps, step{file: filepath.Base(f), job: job, name: name, uses: mapValue(s, "uses"), run: mapValue(s, "run")})
			}
		}
	}
	return steps
}

// TestActionsArePinnedToCommits: every `uses:` names a full 40-character
// commit SHA, with the release tag it stands for in a comment, so a moved
// or hijacked tag cannot change what runs with the role's credentials.
func TestActionsArePinnedToCommits(t *testing.T) {
	n := 0
	for _, s := range workflowSteps(t) {
		if s.uses == nil {
			continue
		}
		n++
		assert.Regexp(t, pinnedUses, s.uses.Value, "%s, %s: uses must be owner/repo@<40-hex commit SHA>", s.file, s.name)
		assert.Regexp(t, tagComment, s.uses.LineComment, "%s, %s: the pinned SHA needs its tag in a comment (# vX.Y.Z)", s.file, s.name)
	}
	assert.Positive(t, n, "no uses: found: the check saw nothing")
}

// TestNoExpressionInScripts: inputs, event fields and every other
// expression reach a run script only through env:, never pasted into it.
func TestNoExpressionInScripts(t *testing.T) {
	n := 0
	for _, s := range workflowSteps(t) {
		if s.run == nil {
			continue
		}
		n++
		assert.NotRegexp(t, expression, s.run.Value, "%s, %s: no ${{ ... }} inside run: pass it through env: and quote it", s.file, s.name)
	}
	assert.Positive(t, n, "no run: found: the check saw nothing")
}

// TestChecksCatchBadSteps: the two checks above reject what they must.
func TestChecksCatchBadSteps(t *testing.T) {
	for _, bad := range []string{"actions/checkout@v4", "actions/checkout@v4.2.2", "actions/checkout@11bd719", "actions/checkout@main"} {
		assert.NotRegexp(t, pinnedUses, bad)
	}
	assert.Regexp(t, pinnedUses, "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")
	for _, bad := range []string{`make -run '${{ inputs.suites }}'`, `echo ${{ github.event.inputs.suites }}`} {
		assert.Regexp(t, expression, bad)
	}
	assert.NotRegexp(t, tagComment, "# pinned")
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// TestPinnedActionsTable: docs/security.md's table of pinned actions lists
// exactly the actions, tags and commits the workflows use.
func TestPinnedActionsTable(t *testing.T) {
	used := map[string]bool{}
	for _, s := range workflowSteps(t) {
		if s.uses == nil {
			continue
		}
		name, sha, _ := strings.Cut(s.uses.Value, "@")
		used[name+" "+strings.TrimPrefix(s.uses.LineComment, "# ")+" "+sha] = true
	}
	repo, err := itest.RepoRoot(".")
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(repo, "docs", "security.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| ([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+) \\| (v[0-9.]+) \\| `([0-9a-f]{40})` \\|$")
	listed := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]+" "+m[2]+" "+m[3]] = true
	}
	assert.Equal(t, used, listed, "docs/security.md's pinned-actions table must match the workflows")
}

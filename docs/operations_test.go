package docs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/ops/cli"
)

// docs/operations.md has a section for every imgpipe command and names
// every flag it takes; it names no command the CLI does not have.
func TestOperationsDocCoversEveryCommandAndFlag(t *testing.T) {
	raw, err := os.ReadFile("operations.md")
	require.NoError(t, err)
	doc := string(raw)
	known := map[string]bool{}
	for _, c := range cli.Commands() {
		known[c.Name] = true
		i := strings.Index(doc, "\n## "+c.Name+"\n")
		if !assert.GreaterOrEqual(t, i, 0, "docs/operations.md has no \"## %s\" section", c.Name) {
			continue
		}
		section := doc[i+1:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
		for _, f := range c.Flags {
			if f == "json" || f == "concurrency" || f == "rate" {
				assert.Contains(t, doc, "`--"+f, "the common flag --%s is documented", f)
				continue
			}
			assert.Contains(t, section, "--"+f, "the %s section names --%s", c.Name, f)
		}
	}
	for _, line := range strings.Split(doc, "\n") {
		if name, ok := strings.CutPrefix(line, "| [`"); ok {
			name, _, _ = strings.Cut(name, "`")
			assert.True(t, known[name], "the command table lists %q, which imgpipe does not have", name)
		}
	}
}

package doccheck

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memRepo is a Repo of the given files and contents.
func memRepo(files map[string]string) Repo {
	r := Repo{Read: func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		return []byte(s), nil
	}}
	for f := range files {
		r.Files = append(r.Files, f)
	}
	return r
}

func problems(t *testing.T, files map[string]string) []string {
	t.Helper()
	ps, err := Check(memRepo(files))
	require.NoError(t, err)
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestLinks(t *testing.T) {
	base := map[string]string{
		"docs/guide.md":   "# Guide\n\n## Set up `make run`, quickly!\n\n## Set up `make run`, quickly!\n\n## Café crème\n",
		"modules/a/x.tf":  "",
		"samples/img.png": "",
	}
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"file, folder, image and web links resolve",
			"[g](docs/guide.md) [m](modules/a) [m2](modules/a/) ![i](samples/img.png) [w](https://example.com/x.md) [e](mailto:a@b.c)", nil},
		{"a missing file is named with its line",
			"ok\n\nsee [gone](docs/missing.md)", []string{`README.md:3: link "docs/missing.md" points at docs/missing.md, which the repository does not contain`}},
		{"a link above the root points outside",
			"[up](../README.md)", []string{`README.md:1: link "../README.md" points outside the repository`}},
		{"anchors follow GitHub's heading ids, repeats numbered",
			"# Top\n\n[a](docs/guide.md#set-up-make-run-quickly) [b](docs/guide.md#set-up-make-run-quickly-1) [c](docs/guide.md#café-crème) [d](#top)",
			nil},
		{"an anchor past the repeats is missing",
			"[a](docs/guide.md#set-up-make-run-quickly-2)", []string{`README.md:1: link "docs/guide.md#set-up-make-run-quickly-2": docs/guide.md has no heading with id "set-up-make-run-quickly-2"`}},
		{"a missing anchor is reported",
			"[a](docs/guide.md#set-up-quickly)", []string{`README.md:1: link "docs/guide.md#set-up-quickly": docs/guide.md has no heading with id "set-up-quickly"`}},
		{"links in code are not links",
			"`[x](nothing.md)`\n\n```\n[y](nothing.md)\n```\n", nil},
		{"reference links are checked",
			"[x][ref]\n\n[ref]: nowhere/file.md\n", []string{`README.md:1: link "nowhere/file.md" points at nowhere/file.md, which the repository does not contain`}},
		{"an escaped space in a path is decoded",
			"[s](samples/my%20img.png)", []string{`README.md:1: link "samples/my%20img.png" points at samples/my img.png, which the repository does not contain`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"README.md": tc.doc}
			for k, v := range base {
				files[k] = v
			}
			want := tc.want
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, problems(t, files))
		})
	}
}

func TestLinkFromSubfolder(t *testing.T) {
	got := problems(t, map[string]string{
		"README.md":           "# imgpipe\n",
		"docs/lambda.md":      "[home](../README.md#imgpipe) [tf](../modules/x/README.md) [self](lambda.md#nope)",
		"modules/x/README.md": "",
	})
	assert.Equal(t, []string{`docs/lambda.md:1: link "lambda.md#nope": docs/lambda.md has no heading with id "nope"`}, got)
}

func TestExplicitAnchor(t *testing.T) {
	got := problems(t, map[string]string{
		"a.md": `<a id="costs"></a>` + "\n\n[c](#costs) [d](#Costs)",
	})
	assert.Equal(t, []string{}, got)
}

func TestIssueRefs(t *testing.T) {
	word := "issue" // split so that this file itself passes the check
	got := problems(t, map[string]string{
		"a.go":      "// fixed in " + word + " 12\nfine\n// see " + word + "s 3 and 4\n",
		"b.mk":      "# " + word + " #7 and " + word + "#8\n",
		"c.md":      "an " + word + " with no number is fine; so are " + word + "r 5 and t" + word + " 6\n",
		"d.jpg":     "\x00binary " + word + " 9",
		"README.md": "# x\n",
	})
	assert.Equal(t, []string{
		`a.go:1: "` + word + ` 12" refers to an issue tracker the repository does not contain: say what is meant instead`,
		`a.go:3: "` + word + `s 3" refers to an issue tracker the repository does not contain: say what is meant instead`,
		`b.mk:1: "` + word + ` #7" refers to an issue tracker the repository does not contain: say what is meant instead`,
	}, got)
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Quick start":                             "quick-start",
		"IAM permissions of the CI role":          "iam-permissions-of-the-ci-role",
		"kumo quirks, and where they are handled": "kumo-quirks-and-where-they-are-handled",
		"Build and package":                       "build-and-package",
		"snake_case and hy-phen":                  "snake_case-and-hy-phen",
		"Duration and cost (per run)":             "duration-and-cost-per-run",
	} {
		assert.Equal(t, want, slug(in), in)
	}
}

// Package docs holds the project's reference documentation. Its tests keep
// the tables that restate code (environment variables, failure reasons) in
// step with the code they document.
package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// envConstants returns the value of every exported Env* string constant of
// internal/contract, read from its source so a new variable cannot be
// forgotten here.
func envConstants(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../internal/contract/contract.go", nil, 0)
	require.NoError(t, err)
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Env") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok, "%s must be a string literal", n.Name)
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				out[n.Name] = v
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

func formatNames(fs []contract.ThumbnailFormat) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, ",")
}

// lambdaDoc is docs/lambda.md, the Lambda's reference.
func lambdaDoc(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("lambda.md")
	require.NoError(t, err)
	return string(raw)
}

func TestLambdaDocListsEveryEnvironmentVariable(t *testing.T) {
	section := lambdaDoc(t)
	rows := map[string]bool{}
	defaults := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]+) \\| [^|]+ \\|$").FindAllStringSubmatch(section, -1) {
		rows[m[1]] = true
		defaults[m[1]] = strings.TrimSpace(m[2])
	}
	known := map[string]bool{}
	for name, v := range envConstants(t) {
		known[v] = true
		assert.True(t, rows[v], "docs/lambda.md: the environment table misses %s (contract.%s)", v, name)
	}
	for v := range rows {
		assert.True(t, known[v], "docs/lambda.md lists %s, which is not a contract.Env* variable", v)
	}

	// The default column matches what Load yields when the variable is unset.
	c, err := config.Load(func(name string) (string, bool) {
		switch name {
		case contract.EnvTableName, contract.EnvEnvironment:
			return "set", true
		}
		return "", false
	})
	require.NoError(t, err)
	sizes := make([]string, len(c.ThumbnailSizes))
	for i, s := range c.ThumbnailSizes {
		sizes[i] = strconv.Itoa(s)
	}
	want := map[string]string{
		contract.EnvTableName:             "(required)",
		contract.EnvEnvironment:           "(required)",
		contract.EnvUploadsPrefix:         "`" + c.UploadsPrefix + "`",
		contract.EnvThumbnailsPrefix:      "`" + c.ThumbnailsPrefix + "`",
		contract.EnvThumbnailSizes:        "`" + strings.Join(sizes, ",") + "`",
		contract.EnvJPEGQuality:           "`" + strconv.Itoa(c.JPEGQuality) + "`",
		contract.EnvMaxImageBytes:         "`" + strconv.FormatInt(c.MaxImageBytes, 10) + "`",
		contract.EnvMaxImagePixels:        "`" + strconv.FormatInt(c.MaxImagePixels, 10) + "`",
		contract.EnvMetricNamespace:       "`" + c.MetricNamespace + "`",
		contract.EnvRecordConcurrency:     "`" + strconv.Itoa(c.RecordConcurrency) + "`",
		contract.EnvLogLevel:              "`" + c.LogLevel.String() + "`",
		contract.EnvS3UsePathStyle:        "`" + strconv.FormatBool(c.S3UsePathStyle) + "`",
		contract.EnvThumbnailFormats:      "`" + formatNames(c.ThumbnailFormats) + "`",
		contract.EnvWebPQuality:           "`" + strconv.Itoa(c.WebPQuality) + "`",
		contract.EnvAVIFQuality:           "`" + strconv.Itoa(c.AVIFQuality) + "`",
		contract.EnvThumbnailCacheControl: "`" + c.ThumbnailCacheControl + "`",
		contract.EnvColorOutput:           "`" + c.ColorOutput + "`",
		contract.EnvDeletedRecordTTLDays:  "`" + strconv.Itoa(int(c.DeletedRecordTTL/(24*time.Hour))) + "`",
	}
	for _, v := range envConstants(t) {
		w, ok := want[v]
		if !assert.True(t, ok, "this test does not know the default of %s: add it to want", v) {
			continue
		}
		assert.True(t, strings.HasPrefix(defaults[v], w), "docs/lambda.md: the default of %s is %q, want it to start with %s", v, defaults[v], w)
	}
}

func TestLambdaDocListsEveryFailureReason(t *testing.T) {
	section := lambdaDoc(t)
	for _, r := range contract.Reasons {
		assert.Contains(t, section, "| `"+string(r)+"` |", "docs/lambda.md misses failure reason %s", r)
	}
}

// TestLambdaDocDescribesEveryRecordAttribute: the record table names every
// attribute of metadata.Record and of its nested thumbnail and format
// entries (their dynamodbav names).
func TestLambdaDocDescribesEveryRecordAttribute(t *testing.T) {
	doc := lambdaDoc(t)
	start, end := strings.Index(doc, "## The record"), strings.Index(doc, "## Idempotency and ordering")
	require.True(t, start >= 0 && end > start, "docs/lambda.md has a record section")
	section := doc[start:end]
	for _, typ := range []reflect.Type{reflect.TypeFor[metadata.Record](), reflect.TypeFor[metadata.Thumbnail](), reflect.TypeFor[metadata.FormatFile](), reflect.TypeFor[metadata.Exif]()} {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
			if name == "" || name == "-" {
				continue
			}
			assert.Contains(t, section, "`"+name+"`", "docs/lambda.md's record table misses %s.%s (%s)", typ.Name(), f.Name, name)
		}
	}
	assert.Contains(t, section, "| `recordVersion` | N | "+strconv.Itoa(metadata.RecordVersion)+":")
}

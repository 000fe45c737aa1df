package docs_test

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/outcome"
)

// section returns the part of doc from the heading title to the next
// heading of the same or a higher level.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	i := strings.Index(doc, title+"\n")
	require.GreaterOrEqual(t, i, 0, "heading %q", title)
	level := strings.Count(strings.Fields(title)[0], "#")
	rest := doc[i+len(title):]
	for _, m := range regexp.MustCompile(`(?m)^(#+) `).FindAllStringSubmatchIndex(rest, -1) {
		if m[3]-m[2] <= level {
			return rest[:m[0]]
		}
	}
	return rest
}

// The schema table of docs/events.md names exactly the fields of
// outcome.Detail, and its example event is what the enrichment produces.
func TestEventsDocMatchesTheSchema(t *testing.T) {
	raw, err := os.ReadFile("events.md")
	require.NoError(t, err)
	schema := section(t, string(raw), "### The event schema (`schemaVersion` "+contract.EventSchemaVersion+")")

	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| ((?:`[a-zA-Z]+`(?:, )?)+) \\|").FindAllStringSubmatch(schema, -1) {
		for _, name := range regexp.MustCompile("`([a-zA-Z]+)`").FindAllStringSubmatch(m[1], -1) {
			documented[name[1]] = true
		}
	}
	typ := reflect.TypeFor[outcome.Detail]()
	fields := map[string]bool{}
	for i := range typ.NumField() {
		name := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
		fields[name] = true
		assert.True(t, documented[name], "docs/events.md: the schema table misses detail field %s", name)
	}
	for name := range documented {
		assert.True(t, fields[name], "docs/events.md documents %s, which outcome.Detail has not", name)
	}

	// The example event's detail decodes into the schema with no unknown field.
	block := regexp.MustCompile("(?s)```json\n(\\{\n  \"version\".*?)\n```").FindStringSubmatch(schema)
	require.NotNil(t, block, "the schema section shows an example event")
	var ev struct {
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Detail     json.RawMessage `json:"detail"`
	}
	require.NoError(t, json.Unmarshal([]byte(block[1]), &ev))
	assert.Equal(t, contract.EventDetailTypeProcessed, ev.DetailType)
	assert.Equal(t, contract.EventSource, ev.Source)
	dec := json.NewDecoder(strings.NewReader(string(ev.Detail)))
	dec.DisallowUnknownFields()
	var d outcome.Detail
	require.NoError(t, dec.Decode(&d))
	assert.Equal(t, contract.EventSchemaVersion, d.SchemaVersion)
}

package progress_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/imgpipe/imgpipe/ops/progress"
)

func TestLinesWithoutTerminal(t *testing.T) {
	var b bytes.Buffer
	p := progress.New(&b, false, 20, "backfill")
	for range 20 {
		p.Add(1)
	}
	p.Finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	assert.Len(t, lines, 10, "one line per tenth")
	assert.Regexp(t, regexp.MustCompile(`^backfill: 2/20 \(10%\), [0-9.]+ items/s$`), lines[0])
	assert.Regexp(t, regexp.MustCompile(`^backfill: 20/20 \(100%\), [0-9.]+ items/s$`), lines[9])
}

func TestLinesForAFewItemsOnlyAtTheEnd(t *testing.T) {
	var b bytes.Buffer
	p := progress.New(&b, false, 4, "backfill")
	for range 4 {
		p.Add(1)
	}
	p.Finish()
	assert.Regexp(t, regexp.MustCompile(`^backfill: 4/4 \(100%\), [0-9.]+ items/s\n$`), b.String())
}

func TestLinesFinishPrintsTheLastCount(t *testing.T) {
	var b bytes.Buffer
	p := progress.New(&b, false, 100, "audit")
	p.Add(5)
	p.Finish() // interrupted at 5
	assert.Contains(t, b.String(), "audit: 5/100 (5%)")
}

func TestBarOnTerminal(t *testing.T) {
	var b bytes.Buffer
	p := progress.New(&b, true, 4, "reprocess")
	p.Add(4)
	p.Finish()
	out := b.String()
	assert.Contains(t, out, "reprocess")
	assert.Contains(t, out, "4/4")
}

func TestNothingForZeroItems(t *testing.T) {
	var b bytes.Buffer
	p := progress.New(&b, false, 0, "x")
	p.Add(0)
	p.Finish()
	assert.Empty(t, b.String())
}

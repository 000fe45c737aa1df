package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/local/runner"
)

func results(t *testing.T) []runner.Result {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	okKey := contract.UploadsPrefix + "a photo #1 ü.png"
	thumbKey := contract.ThumbnailKey(contract.ThumbnailsPrefix, contract.UploadsPrefix, okKey, 256)
	webpKey := contract.FormatWebP.Key(contract.ThumbnailsPrefix, contract.UploadsPrefix, okKey, 256)
	return []runner.Result{
		{
			Input:  runner.Input{Path: write("ok.png", []byte("png bytes")), Name: "a photo #1 ü.png", Key: okKey, Size: 9},
			Object: verify.Object{Key: okKey, VersionID: "v1", ETag: `"e1"`},
			Record: &metadata.Record{Key: okKey, Status: contract.StatusProcessed, Format: "png", Width: 400, Height: 300, DurationMs: 12,
				Placeholder: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", AverageColor: "#7f6a55", DominantColor: "#2b4a66",
				Thumbnails: map[string]metadata.Thumbnail{"256": {Key: thumbKey, Width: 256, Height: 192, Bytes: 5,
					Formats: map[string]metadata.FormatFile{
						"jpeg": {Key: thumbKey, Bytes: 5, ContentType: "image/jpeg"},
						"webp": {Key: webpKey, Bytes: 4, ContentType: "image/webp"},
					}}}},
			Latency: 150 * time.Millisecond,
			Files:   map[string][]byte{thumbKey: []byte("jpeg!"), webpKey: []byte("webp")},
		},
		{
			Input:  runner.Input{Path: write("bad.jpg", []byte("text")), Name: "bad.jpg", Key: contract.UploadsPrefix + "bad.jpg", Size: 4},
			Object: verify.Object{Key: contract.UploadsPrefix + "bad.jpg", VersionID: "v1"},
			Record: &metadata.Record{Key: contract.UploadsPrefix + "bad.jpg", Status: contract.StatusFailed,
				FailureReason: string(contract.ReasonUnsupportedFormat), FailureMessage: "not an image"},
		},
		{
			Input: runner.Input{Path: write("lost.jpg", []byte("x")), Name: "lost.jpg", Key: contract.UploadsPrefix + "lost.jpg", Size: 1},
		},
	}
}

func TestWriteProducesSheetReportAndFiles(t *testing.T) {
	rs := results(t)
	fn := &Function{Name: "f", Runtime: "provided.al2023", Architectures: []string{"arm64"}, Handler: "bootstrap",
		MemorySizeMB: 1024, TimeoutSeconds: 60, Environment: map[string]string{contract.EnvJPEGQuality: "82"}}
	rep := Build(rs, Meta{Bucket: "b", Table: "t", ImagesDir: "imgs", IdleTimeout: time.Minute, Function: fn})
	assert.Equal(t, 1, rep.Processed)
	assert.Equal(t, 1, rep.Failed)
	assert.Equal(t, []string{contract.UploadsPrefix + "lost.jpg"}, rep.Missing)

	out := t.TempDir()
	require.NoError(t, Write(out, rep, rs))

	var got Report
	js, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &got))
	require.Len(t, got.Entries, 3)
	assert.Equal(t, fn, got.Function, "report.json records the function's settings")
	assert.Contains(t, string(js), `"memorySizeMB": 1024`)
	assert.Contains(t, string(js), `"timeoutSeconds": 60`)
	assert.Equal(t, string(contract.ReasonUnsupportedFormat), got.Entries[1].Record["failureReason"], "the item under its attribute names")
	assert.Equal(t, contract.StatusProcessed, got.Entries[0].Record[contract.StatusIndexHashKey])
	assert.Nil(t, got.Entries[2].Record)
	assert.Contains(t, got.Entries[2].Error, "no metadata record")

	require.Len(t, got.Entries[0].Thumbnails, 2, "report.json lists every thumbnail file with its format")
	for i, want := range []struct{ format, body string }{{"jpeg", "jpeg!"}, {"webp", "webp"}} {
		th := got.Entries[0].Thumbnails[i]
		assert.Equal(t, want.format, th.Format)
		assert.Equal(t, "image/"+want.format, th.ContentType)
		thumb, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(th.File)))
		require.NoError(t, err)
		assert.Equal(t, want.body, string(thumb))
	}
	orig, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rep.Entries[0].Original)))
	require.NoError(t, err)
	assert.Equal(t, "png bytes", string(orig))

	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	require.NoError(t, err)
	page := string(html)
	assert.Contains(t, page, `src="uploads/a%20photo%20%231%20%C3%BC.png"`, "links escape spaces, # and unicode")
	assert.Contains(t, page, "unsupported_format")
	assert.Contains(t, page, "NO RECORD")
	assert.Contains(t, page, `src="data:image/png;base64,`, "the placeholder, decoded from the record")
	assert.Contains(t, page, "256 px <b>webp</b>")
	assert.Regexp(t, `<div class="size">\s*<figure>[^$]*256 px <b>jpeg</b>[^$]*256 px <b>webp</b>[^$]*</figure>\s*</div>`, page, "a size's formats on one line")
	assert.Contains(t, page, `style="background:#2b4a66"`, "the dominant colour's swatch")
}

func TestBySize(t *testing.T) {
	th := func(size int, format string) Thumb { return Thumb{Size: size, Format: format} }
	assert.Equal(t, [][]Thumb{{th(256, "jpeg"), th(256, "webp")}, {th(1024, "jpeg"), th(1024, "webp")}},
		bySize([]Thumb{th(256, "jpeg"), th(256, "webp"), th(1024, "jpeg"), th(1024, "webp")}))
	assert.Nil(t, bySize(nil))
}

func TestTableShowsEveryInput(t *testing.T) {
	rep := Build(results(t), Meta{IdleTimeout: time.Minute})
	var b bytes.Buffer
	require.NoError(t, Table(&b, rep))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 5)
	assert.Contains(t, lines[1], "400x300")
	assert.Contains(t, lines[1], "256x192")
	assert.Contains(t, lines[2], "FAILED unsupported_format")
	assert.Contains(t, lines[3], "NO RECORD")
	assert.Contains(t, lines[4], "3 inputs: 1 processed, 1 failed, 1 without a record")
}

func TestWriteRefusesPathsOutsideTheOutput(t *testing.T) {
	assert.ErrorContains(t, writeUnder(t.TempDir(), "../escape.jpg", nil), "outside")
}

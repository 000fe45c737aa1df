package report

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/imaging/preview"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// relURL escapes each segment of a slash-separated relative path, so file
// names with spaces, '#', '?' or unicode work as links from disk.
func relURL(p string) template.URL {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return template.URL(strings.Join(segs, "/")) // #nosec G203 -- each segment is escaped above
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconvF(float64(n)/(1<<20)) + " MiB"
	case n >= 1<<10:
		return strconvF(float64(n)/(1<<10)) + " KiB"
	default:
		return itoa(n) + " B"
	}
}

var funcs = template.FuncMap{
	"url":       relURL,
	"bytes":     humanBytes,
	"processed": func(s string) bool { return s == contract.StatusProcessed },
	// Browsers show neither HEIC nor TIFF: the sheet says so instead of a
	// broken image.
	"browserShows": func(format string) bool { return format != "heic" && format != "tiff" },
	"css": func(c string) template.CSS {
		if _, err := preview.ParseColor(c); err != nil {
			return ""
		}
		return template.CSS("background:" + c) // #nosec G203 -- only a colour ParseColor accepted (#rrggbb) gets here
	},
	"short": func(s string) string {
		if len(s) > 16 {
			return s[:16] + "…"
		}
		return s
	},
}

// card is what the sheet shows of one entry.
type card struct {
	Entry
	Rec *metadata.Record
	// Placeholder is the record's BlurHash decoded as an app would, as a
	// PNG data URI at the smallest thumbnail's aspect; PlaceholderW and
	// PlaceholderH the size it is shown at. PlaceholderErr says why there
	// is none.
	Placeholder                template.URL
	PlaceholderW, PlaceholderH int
	PlaceholderErr             string
	// Sizes are the thumbnails by size, in the entry's order: each size's
	// formats are shown side by side on one line.
	Sizes [][]Thumb
}

// bySize groups thumbs (ordered by size, then format) by size.
func bySize(thumbs []Thumb) [][]Thumb {
	var out [][]Thumb
	for i, t := range thumbs {
		if i == 0 || t.Size != thumbs[i-1].Size {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], t)
	}
	return out
}

// placeholderOf renders rec's placeholder like the smallest thumbnail.
func placeholderOf(rec *metadata.Record, thumbs []Thumb) (uri template.URL, w, h int, err error) {
	if rec == nil || rec.Placeholder == "" {
		return "", 0, 0, nil
	}
	w, h = 32, 32
	if len(thumbs) > 0 {
		w, h = thumbs[0].Width, thumbs[0].Height
	}
	// A BlurHash has a handful of frequencies: 32 pixels on the long edge
	// are plenty; the browser scales it up smoothly.
	pw, ph := 32, max(1, 32*h/max(w, 1))
	if h > w {
		pw, ph = max(1, 32*w/max(h, 1)), 32
	}
	img, err := preview.DecodePlaceholder(rec.Placeholder, pw, ph)
	if err != nil {
		return "", 0, 0, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", 0, 0, err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), w, h, nil // #nosec G203 -- a PNG this function just encoded, base64 (no markup can get in)
}

func writeHTML(w io.Writer, rep Report) error {
	cards := make([]card, len(rep.Entries))
	for i, e := range rep.Entries {
		cards[i] = card{Entry: e, Rec: e.rec, Sizes: bySize(e.Thumbnails)}
		uri, pw, ph, err := placeholderOf(e.rec, e.Thumbnails)
		if err != nil {
			cards[i].PlaceholderErr = err.Error()
		}
		cards[i].Placeholder, cards[i].PlaceholderW, cards[i].PlaceholderH = uri, pw, ph
	}
	return page.Execute(w, struct {
		Report
		Cards []card
	}{rep, cards})
}

var page = template.Must(template.New("index").Funcs(funcs).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imgpipe local run: {{.Inputs}} images</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f3f4f7; }
  body { margin: 0 auto; padding: 24px; max-width: 1280px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .sub { color: #5a6274; font-size: 13px; margin-bottom: 18px; }
  .sum span { display: inline-block; margin-right: 14px; font-weight: 600; }
  .card { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.12); margin: 14px 0; padding: 14px 16px; }
  .card.failed { border-left: 6px solid #c62828; }
  .card.processed { border-left: 6px solid #2e7d32; }
  .card.missing { border-left: 6px solid #757575; }
  .head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
  .name { font-weight: 600; font-size: 15px; word-break: break-all; }
  .badge { font-size: 12px; font-weight: 700; padding: 2px 8px; border-radius: 10px; color: #fff; }
  .badge.processed { background: #2e7d32; } .badge.failed { background: #c62828; } .badge.missing { background: #757575; }
  .reason { color: #c62828; font-weight: 600; }
  .row { display: grid; grid-template-columns: 1fr 340px; gap: 16px; align-items: start; margin-top: 10px; }
  .figs { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
  .size { display: flex; gap: 16px; align-items: flex-start; flex-basis: 100%; }
  figure { margin: 0; text-align: center; }
  figcaption { font-size: 12px; color: #5a6274; margin-top: 4px; }
  .img { max-width: 260px; max-height: 260px; display: block;
         background: repeating-conic-gradient(#ddd 0% 25%, #fff 0% 50%) 50% / 16px 16px; border: 1px solid #d5d8e0; }
  .thumb-big { max-width: 300px; max-height: 300px; }
  .noimg { width: 220px; height: 140px; display: flex; align-items: center; justify-content: center; text-align: center;
           background: #fbeaea; color: #8e1c1c; border: 1px dashed #c62828; font-size: 13px; padding: 8px; box-sizing: border-box; }
  table.meta { border-collapse: collapse; font-size: 12.5px; min-width: 260px; }
  table.meta th { text-align: left; color: #5a6274; font-weight: 500; padding: 2px 10px 2px 0; vertical-align: top; white-space: nowrap; }
  table.meta td { padding: 2px 0; word-break: break-all; }
  code { font-size: 12px; }
  .ph { image-rendering: auto; }
  .sw { display: inline-block; width: 14px; height: 14px; border-radius: 3px; border: 1px solid #b8bcc6; vertical-align: -2px; margin-right: 6px; }
</style>
</head>
<body>
<h1>imgpipe: local run</h1>
<div class="sub">{{.GeneratedAt.Format "2006-01-02 15:04:05 UTC"}} · bucket <code>{{.Bucket}}</code> · table <code>{{.Table}}</code> · images from <code>{{.ImagesDir}}</code></div>
<div class="sum"><span>{{.Inputs}} inputs</span><span style="color:#2e7d32">{{.Processed}} processed</span><span style="color:#c62828">{{.Failed}} failed</span>{{if .Missing}}<span style="color:#757575">{{len .Missing}} without a record</span>{{end}}{{if .DroppedEvents}}<span style="color:#c62828">{{.DroppedEvents}} events dropped by the local Lambda queue</span>{{end}}</div>
{{range .Cards}}{{$r := .Rec}}
<section class="card {{if not $r}}missing{{else if processed $r.Status}}processed{{else}}failed{{end}}">
  <div class="head">
    <span class="name">{{.File}}</span>
    {{if not $r}}<span class="badge missing">NO RECORD</span>
    {{else if processed $r.Status}}<span class="badge processed">{{$r.Status}}</span>
    {{else}}<span class="badge failed">{{$r.Status}}</span> <span class="reason">{{$r.FailureReason}}</span>{{end}}
  </div>
  <div class="row">
    <div class="figs">
    <figure>
      {{if and $r (processed $r.Status) (not (browserShows $r.Format))}}<div class="noimg">{{$r.Format}}: browsers do not display it</div>
      {{else if and $r (processed $r.Status)}}<a href="{{url .Original}}"><img class="img" src="{{url .Original}}" alt="original {{.File}}"></a>
      {{else}}<div class="noimg">{{if $r}}{{$r.FailureReason}}: not shown{{else}}no record{{end}}</div>{{end}}
      <figcaption>original · {{bytes .BytesIn}} · <a href="{{url .Original}}">open file</a></figcaption>
    </figure>
    {{if .Placeholder}}
    <figure>
      <img class="img ph" src="{{.Placeholder}}" width="{{.PlaceholderW}}" height="{{.PlaceholderH}}" alt="placeholder of {{.File}}">
      <figcaption>placeholder (decoded from the record)</figcaption>
    </figure>{{else if .PlaceholderErr}}
    <figure><div class="noimg">placeholder: {{.PlaceholderErr}}</div><figcaption>placeholder</figcaption></figure>{{end}}
    {{range .Sizes}}
    <div class="size">
    {{range .}}
    <figure>
      <a href="{{url .File}}"><img class="img {{if gt .Size 300}}thumb-big{{end}}" src="{{url .File}}" alt="{{.Format}} thumbnail {{.Size}}"></a>
      <figcaption>{{.Size}} px <b>{{.Format}}</b> · {{.Width}}×{{.Height}} · {{bytes .Bytes}}</figcaption>
    </figure>
    {{end}}
    </div>
    {{end}}
    </div>
    <table class="meta">
      <tr><th>key</th><td><code>{{.Key}}</code></td></tr>
      {{if .VersionID}}<tr><th>version</th><td><code>{{.VersionID}}</code></td></tr>{{end}}
      {{if .Error}}<tr><th>error</th><td class="reason">{{.Error}}</td></tr>{{end}}
      {{with $r}}
      {{if .FailureReason}}<tr><th>reason</th><td class="reason">{{.FailureReason}}</td></tr>
      <tr><th>message</th><td>{{.FailureMessage}}</td></tr>{{end}}
      {{if .Format}}<tr><th>format</th><td>{{.Format}}</td></tr>{{end}}
      {{if .DominantColor}}<tr><th>dominant colour</th><td><span class="sw" style="{{css .DominantColor}}"></span><code>{{.DominantColor}}</code></td></tr>{{end}}
      {{if .AverageColor}}<tr><th>average colour</th><td><span class="sw" style="{{css .AverageColor}}"></span><code>{{.AverageColor}}</code></td></tr>{{end}}
      {{if .Placeholder}}<tr><th>placeholder</th><td><code>{{.Placeholder}}</code></td></tr>{{end}}
      {{if .Width}}<tr><th>dimensions</th><td>{{.Width}}×{{.Height}} (upright)</td></tr>{{end}}
      {{if .Orientation}}<tr><th>EXIF orientation</th><td>{{.Orientation}}</td></tr>{{end}}
      {{with .Exif}}<tr><th>EXIF</th><td>{{.Make}} {{.Model}} {{.TakenAt}}</td></tr>{{end}}
      <tr><th>size</th><td>{{.Size}} bytes</td></tr>
      {{if .SHA256}}<tr><th>sha256</th><td><code title="{{.SHA256}}">{{short .SHA256}}</code></td></tr>{{end}}
      {{if .ContentType}}<tr><th>content type</th><td>{{.ContentType}}</td></tr>{{end}}
      <tr><th>processing</th><td>{{.DurationMs}} ms</td></tr>
      {{end}}
      {{if .LatencyMs}}<tr><th>upload → record</th><td>{{.LatencyMs}} ms</td></tr>{{end}}
    </table>
  </div>
</section>
{{end}}
</body>
</html>
`))

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Package metrics writes CloudWatch Embedded Metric Format (EMF) lines to
// stdout. Lambda ships stdout to CloudWatch Logs, which extracts the
// metrics asynchronously: the hot path never calls PutMetricData.
//
// Every line carries the dimension Environment. ProcessingErrors is also
// published by (Environment, Reason), so an alarm can watch all errors of an
// environment and a dashboard can break them down by reason.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// EMF units used here.
const (
	UnitCount        = "Count"
	UnitMilliseconds = "Milliseconds"
	UnitBytes        = "Bytes"
)

// Emitter writes one EMF document per outcome. It is safe for concurrent use.
type Emitter struct {
	mu          sync.Mutex
	w           io.Writer
	namespace   string
	environment string
	now         func() time.Time
}

// New returns an Emitter writing to w (os.Stdout in the Lambda).
func New(w io.Writer, namespace, environment string) *Emitter {
	return &Emitter{w: w, namespace: namespace, environment: environment, now: time.Now}
}

// Processed records an image that got its PROCESSED record.
func (e *Emitter) Processed(latency time.Duration, bytesIn, thumbnailBytes int64) error {
	return e.rendered(contract.MetricImagesProcessed, latency, bytesIn, thumbnailBytes)
}

// Reprocessed records an image whose PROCESSED record was replaced by one
// made with another rendition fingerprint (ImagesReprocessed, not
// ImagesProcessed, so a reprocessing run does not inflate the upload count).
func (e *Emitter) Reprocessed(latency time.Duration, bytesIn, thumbnailBytes int64) error {
	return e.rendered(contract.MetricImagesReprocessed, latency, bytesIn, thumbnailBytes)
}

// rendered writes the line of a version whose thumbnails were written:
// counter (ImagesProcessed or ImagesReprocessed) beside the latency and
// the bytes read and written.
func (e *Emitter) rendered(counter string, latency time.Duration, bytesIn, thumbnailBytes int64) error {
	return e.write(map[string]any{
		counter:                          1,
		contract.MetricProcessingLatency: ms(latency),
		contract.MetricBytesIn:           bytesIn,
		contract.MetricThumbnailBytes:    thumbnailBytes,
	}, []directive{{
		dims: [][]string{{contract.MetricDimensionEnvironment}},
		metrics: []metric{
			{counter, UnitCount},
			{contract.MetricProcessingLatency, UnitMilliseconds},
			{contract.MetricBytesIn, UnitBytes},
			{contract.MetricThumbnailBytes, UnitBytes},
		},
	}}, "")
}

// Failed records an image that got a FAILED record with reason.
func (e *Emitter) Failed(reason contract.Reason, latency time.Duration, bytesIn int64) error {
	return e.write(map[string]any{
		contract.MetricProcessingErrors:  1,
		contract.MetricProcessingLatency: ms(latency),
		contract.MetricBytesIn:           bytesIn,
	}, []directive{
		{
			dims: [][]string{
				{contract.MetricDimensionEnvironment},
				{contract.MetricDimensionEnvironment, contract.MetricDimensionReason},
			},
			metrics: []metric{{contract.MetricProcessingErrors, UnitCount}},
		},
		{
			dims: [][]string{{contract.MetricDimensionEnvironment}},
			metrics: []metric{
				{contract.MetricProcessingLatency, UnitMilliseconds},
				{contract.MetricBytesIn, UnitBytes},
			},
		},
	}, reason)
}

// Deleted records a version that got its DELETED record.
func (e *Emitter) Deleted() error {
	return e.write(map[string]any{
		contract.MetricImagesDeleted: 1,
	}, []directive{{
		dims:    [][]string{{contract.MetricDimensionEnvironment}},
		metrics: []metric{{contract.MetricImagesDeleted, UnitCount}},
	}}, "")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type metric struct{ name, unit string }

type directive struct {
	dims    [][]string
	metrics []metric
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

func (e *Emitter) write(values map[string]any, directives []directive, reason contract.Reason) error {
	doc := make(map[string]any, len(values)+3)
	for k, v := range values {
		doc[k] = v
	}
	meta := emfMeta{Timestamp: e.now().UnixMilli()}
	for _, d := range directives {
		ed := emfDirective{Namespace: e.namespace, Dimensions: d.dims}
		for _, m := range d.metrics {
			ed.Metrics = append(ed.Metrics, emfMetric{Name: m.name, Unit: m.unit})
		}
		meta.CloudWatchMetrics = append(meta.CloudWatchMetrics, ed)
	}
	doc["_aws"] = meta
	doc[contract.MetricDimensionEnvironment] = e.environment
	if reason != "" {
		doc[contract.MetricDimensionReason] = string(reason)
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("metrics: encode EMF: %w", err)
	}
	line = append(line, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.w.Write(line); err != nil {
		return fmt.Errorf("metrics: write EMF line: %w", err)
	}
	return nil
}

package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// validUnits are the units CloudWatch accepts in EMF (subset we could use).
var validUnits = map[string]bool{UnitCount: true, UnitMilliseconds: true, UnitBytes: true, "Seconds": true, "None": true}

// validateEMF checks a line against the EMF specification: a JSON object
// with an _aws member holding an integer Timestamp and a CloudWatchMetrics
// array; each directive names a Namespace, Dimensions (at most 30 names per
// set, each a string member of the root) and Metrics (each a numeric member
// of the root, with a valid Unit).
func validateEMF(line []byte) error {
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	aws, ok := doc["_aws"].(map[string]any)
	if !ok {
		return fmt.Errorf("no _aws object")
	}
	ts, ok := aws["Timestamp"].(float64)
	if !ok || ts != float64(int64(ts)) || ts <= 0 {
		return fmt.Errorf("_aws.Timestamp is not a positive integer: %v", aws["Timestamp"])
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		return fmt.Errorf("_aws.CloudWatchMetrics is not a non-empty array")
	}
	for i, d := range directives {
		dir, ok := d.(map[string]any)
		if !ok {
			return fmt.Errorf("directive %d is not an object", i)
		}
		if ns, _ := dir["Namespace"].(string); ns == "" {
			return fmt.Errorf("directive %d has no Namespace", i)
		}
		dimSets, ok := dir["Dimensions"].([]any)
		if !ok {
			return fmt.Errorf("directive %d has no Dimensions array", i)
		}
		for _, s := range dimSets {
			set, ok := s.([]any)
			if !ok || len(set) == 0 || len(set) > 30 {
				return fmt.Errorf("directive %d has a bad dimension set %v", i, s)
			}
			for _, name := range set {
				n, _ := name.(string)
				if _, ok := doc[n].(string); !ok {
					return fmt.Errorf("dimension %q has no string value at the root", n)
				}
			}
		}
		ms, ok := dir["Metrics"].([]any)
		if !ok || len(ms) == 0 || len(ms) > 100 {
			return fmt.Errorf("directive %d has no Metrics", i)
		}
		for _, m := range ms {
			mm, _ := m.(map[string]any)
			name, _ := mm["Name"].(string)
			if _, ok := doc[name].(float64); !ok {
				return fmt.Errorf("metric %q has no numeric value at the root", name)
			}
			if unit, _ := mm["Unit"].(string); !validUnits[unit] {
				return fmt.Errorf("metric %q has an invalid unit %q", name, mm["Unit"])
			}
		}
	}
	return nil
}

func TestValidateEMFRejectsBrokenDocuments(t *testing.T) {
	for _, bad := range []string{
		`not json`,
		`{"ImagesProcessed":1}`,
		`{"_aws":{"CloudWatchMetrics":[]}}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Dimensions":[["Environment"]],"Metrics":[{"Name":"X","Unit":"Count"}]}]},"Environment":"dev","X":1}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Environment"]],"Metrics":[{"Name":"X","Unit":"Count"}]}]},"X":1}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Environment"]],"Metrics":[{"Name":"X","Unit":"Count"}]}]},"Environment":"dev"}`,
		`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Environment"]],"Metrics":[{"Name":"X","Unit":"Furlongs"}]}]},"Environment":"dev","X":1}`,
	} {
		assert.Error(t, validateEMF([]byte(bad)), bad)
	}
}

func TestEmitter(t *testing.T) {
	fixed := time.UnixMilli(1_764_000_000_000)
	tests := []struct {
		name       string
		emit       func(*Emitter) error
		wantValues map[string]any
		wantDims   [][][]string // per directive
	}{
		{
			name: "processed",
			emit: func(e *Emitter) error { return e.Processed(1500*time.Microsecond, 2048, 300) },
			wantValues: map[string]any{
				contract.MetricImagesProcessed: 1.0, contract.MetricProcessingLatency: 1.5,
				contract.MetricBytesIn: 2048.0, contract.MetricThumbnailBytes: 300.0,
			},
			wantDims: [][][]string{{{"Environment"}}},
		},
		{
			name: "reprocessed",
			emit: func(e *Emitter) error { return e.Reprocessed(3*time.Millisecond, 4096, 500) },
			wantValues: map[string]any{
				contract.MetricImagesReprocessed: 1.0, contract.MetricProcessingLatency: 3.0,
				contract.MetricBytesIn: 4096.0, contract.MetricThumbnailBytes: 500.0,
				contract.MetricImagesProcessed: nil, // its own metric, not ImagesProcessed
			},
			wantDims: [][][]string{{{"Environment"}}},
		},
		{
			name: "failed",
			emit: func(e *Emitter) error { return e.Failed(contract.ReasonCorrupt, 20*time.Millisecond, 99) },
			wantValues: map[string]any{
				contract.MetricProcessingErrors: 1.0, contract.MetricProcessingLatency: 20.0,
				contract.MetricBytesIn: 99.0, contract.MetricDimensionReason: "corrupt",
			},
			wantDims: [][][]string{{{"Environment"}, {"Environment", "Reason"}}, {{"Environment"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := New(&buf, "Team/Images", "test-env")
			e.now = func() time.Time { return fixed }
			require.NoError(t, tc.emit(e))
			line := buf.Bytes()
			require.Equal(t, 1, strings.Count(buf.String(), "\n"), "one line per document")
			require.NoError(t, validateEMF(line))

			var doc struct {
				AWS emfMeta `json:"_aws"`
			}
			require.NoError(t, json.Unmarshal(line, &doc))
			assert.Equal(t, fixed.UnixMilli(), doc.AWS.Timestamp)
			require.Len(t, doc.AWS.CloudWatchMetrics, len(tc.wantDims))
			for i, d := range doc.AWS.CloudWatchMetrics {
				assert.Equal(t, "Team/Images", d.Namespace)
				assert.Equal(t, tc.wantDims[i], d.Dimensions)
			}
			var root map[string]any
			require.NoError(t, json.Unmarshal(line, &root))
			assert.Equal(t, "test-env", root["Environment"])
			for k, v := range tc.wantValues {
				assert.Equal(t, v, root[k], k)
			}
		})
	}
}

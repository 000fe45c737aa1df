package stack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRuntime answers like kumo: 202 to an Event invoke, the queued
// payload (with a request id) to .../next, 202 to results.
type fakeRuntime struct {
	mu      sync.Mutex
	next    []string
	seq     int
	refuse  bool
	results []string
}

func (f *fakeRuntime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/invocations"):
		if f.refuse {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		b, _ := io.ReadAll(r.Body)
		f.next = append(f.next, string(b))
		w.WriteHeader(http.StatusAccepted)
	case strings.HasSuffix(r.URL.Path, "/invocation/next"):
		f.seq++
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-"+strconv.Itoa(f.seq))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(f.next[0]))
	default:
		b, _ := io.ReadAll(r.Body)
		f.results = append(f.results, r.URL.Path+" "+string(b))
		w.WriteHeader(http.StatusAccepted)
	}
}

type destHarness struct {
	t    *testing.T
	srv  *httptest.Server
	rt   *fakeRuntime
	d    *destination
	mu   sync.Mutex
	sent []string
}

func newDestHarness(t *testing.T) *destHarness {
	h := &destHarness{t: t, rt: &fakeRuntime{}}
	h.d = newDestination("fn", "arn:aws:lambda:us-east-1:000000000000:function:fn", func(_ context.Context, body string) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.sent = append(h.sent, body)
		return nil
	}, slog.New(slog.DiscardHandler))
	h.srv = httptest.NewServer(h.d.wrap(h.rt))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *destHarness) do(method, path, body string, header ...string) *http.Response {
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	require.NoError(h.t, resp.Body.Close())
	return resp
}

// attempt runs one delivery of the head event: next, then error or response.
func (h *destHarness) attempt(fail bool, errBody string) {
	resp := h.do(http.MethodGet, "/_runtime/fn/2018-06-01/runtime/invocation/next", "")
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	if fail {
		h.do(http.MethodPost, "/_runtime/fn/2018-06-01/runtime/invocation/"+id+"/error", errBody)
		return
	}
	h.do(http.MethodPost, "/_runtime/fn/2018-06-01/runtime/invocation/"+id+"/response", "null")
	h.rt.mu.Lock()
	h.rt.next = h.rt.next[1:]
	h.rt.mu.Unlock()
}

const s3Event = `{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"uploads/a.jpg"}}}]}`

func TestDestinationRecordAfterRetriesExhausted(t *testing.T) {
	h := newDestHarness(t)
	h.do(http.MethodPost, "/2015-03-31/functions/fn/invocations", s3Event, "X-Amz-Invocation-Type", "Event")
	for range 3 {
		h.attempt(true, `{"errorMessage":"s3://b/uploads/a.jpg: transient: SlowDown","errorType":"joinError"}`)
	}
	h.d.givenUp("RetriesExhausted")
	h.d.wait()
	require.Len(t, h.sent, 1)
	var rec struct {
		Version        string `json:"version"`
		Timestamp      string `json:"timestamp"`
		RequestContext struct {
			RequestID              string `json:"requestId"`
			FunctionArn            string `json:"functionArn"`
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		RequestPayload  json.RawMessage `json:"requestPayload"`
		ResponseContext struct {
			StatusCode      int    `json:"statusCode"`
			ExecutedVersion string `json:"executedVersion"`
			FunctionError   string `json:"functionError"`
		} `json:"responseContext"`
		ResponsePayload struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		} `json:"responsePayload"`
	}
	require.NoError(t, json.Unmarshal([]byte(h.sent[0]), &rec))
	assert.Equal(t, "1.0", rec.Version)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, rec.Timestamp)
	assert.Equal(t, "req-3", rec.RequestContext.RequestID, "the last attempt")
	assert.Equal(t, "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST", rec.RequestContext.FunctionArn)
	assert.Equal(t, "RetriesExhausted", rec.RequestContext.Condition)
	assert.Equal(t, 3, rec.RequestContext.ApproximateInvokeCount)
	assert.JSONEq(t, s3Event, string(rec.RequestPayload), "the original event")
	assert.Equal(t, 200, rec.ResponseContext.StatusCode)
	assert.Equal(t, "$LATEST", rec.ResponseContext.ExecutedVersion)
	assert.Equal(t, "Unhandled", rec.ResponseContext.FunctionError)
	assert.Equal(t, "s3://b/uploads/a.jpg: transient: SlowDown", rec.ResponsePayload.ErrorMessage)
	assert.Equal(t, 1, h.d.Sent())
}

// A retry that succeeds, a synchronous invocation that fails, or an event
// kumo refused never make a destination record.
func TestNoDestinationRecordWithoutAGivenUpEvent(t *testing.T) {
	h := newDestHarness(t)
	h.do(http.MethodPost, "/2015-03-31/functions/fn/invocations", s3Event, "X-Amz-Invocation-Type", "Event")
	h.attempt(true, `{"errorMessage":"once"}`)
	h.attempt(false, "")
	h.do(http.MethodPost, "/2015-03-31/functions/fn/invocations", `{"Records":[]}`) // synchronous
	h.rt.mu.Lock()
	h.rt.next = append(h.rt.next, `{"Records":[]}`)
	h.rt.mu.Unlock()
	h.attempt(true, `{"errorMessage":"sync"}`)
	h.rt.refuse = true
	h.do(http.MethodPost, "/2015-03-31/functions/fn/invocations", `{"Records":[{"eventSource":"aws:s3"}]}`, "X-Amz-Invocation-Type", "Event")

	h.d.givenUp("RetriesExhausted")
	h.d.wait()
	assert.Empty(t, h.sent)
	assert.Empty(t, h.d.pending, "nothing is left tracked")
}

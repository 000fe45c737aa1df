package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// destination emulates the function's on-failure destination, which kumo
// lacks (PutFunctionEventInvokeConfig is a 404; DeadLetterConfig is
// ignored): when kumo gives up an asynchronous invocation after its
// retries, the harness sends the dead-letter queue the invocation record
// Lambda would send, in AWS's shape (AWS Lambda developer guide,
// "Configuring destinations for asynchronous invocation"):
//
//	{"version": "1.0", "timestamp": "...",
//	 "requestContext": {"requestId": "...", "functionArn": "...:$LATEST",
//	                    "condition": "RetriesExhausted", "approximateInvokeCount": 3},
//	 "requestPayload": <the original event>,
//	 "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
//	 "responsePayload": <the function's error, as its runtime posted it>}
//
// It learns what it needs from the traffic through the stack's proxy:
// asynchronous Invoke requests (X-Amz-Invocation-Type: Event) give the
// payloads; the Runtime API's .../invocation/next answers map request ids to
// payloads; .../invocation/<id>/error posts give each attempt's error and
// .../response posts its success. kumo delivers one function's asynchronous
// events one at a time, retrying the head of its queue, so when it logs
// "async invoke dropped after function error retries" the event given up is
// the one whose attempts all failed. Production code knows nothing of this.
type destination struct {
	function    string
	functionArn string
	send        func(ctx context.Context, body string) error
	log         *slog.Logger
	now         func() time.Time

	mu        sync.Mutex
	pending   map[[32]byte]*asyncEvent // asynchronous events not yet delivered or given up
	byRequest map[string][32]byte      // runtime request id -> payload digest
	sent      int
	wg        sync.WaitGroup
}

type asyncEvent struct {
	payload   []byte
	queued    int // identical payloads queued and not yet settled
	attempts  int // failed attempts of the one at the head of kumo's queue
	lastError []byte
	requestID string
	failedAt  time.Time
}

func newDestination(function, functionArn string, send func(context.Context, string) error, log *slog.Logger) *destination {
	return &destination{function: function, functionArn: functionArn, send: send, log: log, now: time.Now,
		pending: map[[32]byte]*asyncEvent{}, byRequest: map[string][32]byte{}}
}

// wrap observes the traffic to and from next (the proxy to kumo).
func (d *destination) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case r.Method == http.MethodPost && p == "/2015-03-31/functions/"+d.function+"/invocations" &&
			strings.EqualFold(r.Header.Get("X-Amz-Invocation-Type"), "Event"):
			// Noted before kumo sees it: kumo may hand it to the handler
			// before answering this request.
			body := readAll(r)
			d.queued(body)
			rec := &recorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status != http.StatusAccepted {
				d.refused(body)
			}
			return
		case r.Method == http.MethodGet && p == "/_runtime/"+d.function+"/2018-06-01/runtime/invocation/next":
			rec := &recorder{ResponseWriter: w, keep: true}
			next.ServeHTTP(rec, r)
			if id := rec.Header().Get("Lambda-Runtime-Aws-Request-Id"); id != "" {
				d.pickedUp(id, rec.body.Bytes())
			}
			return
		case r.Method == http.MethodPost && strings.HasPrefix(p, "/_runtime/"+d.function+"/2018-06-01/runtime/invocation/"):
			rest := strings.TrimPrefix(p, "/_runtime/"+d.function+"/2018-06-01/runtime/invocation/")
			if id, outcome, ok := strings.Cut(rest, "/"); ok {
				body := readAll(r)
				d.settled(id, outcome == "error", body)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (d *destination) queued(payload []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := sha256.Sum256(payload)
	ev := d.pending[k]
	if ev == nil {
		ev = &asyncEvent{payload: payload}
		d.pending[k] = ev
	}
	ev.queued++
}

// refused forgets an event kumo did not accept.
func (d *destination) refused(payload []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := sha256.Sum256(payload)
	if ev := d.pending[k]; ev != nil {
		d.release(k, ev)
	}
}

func (d *destination) pickedUp(requestID string, payload []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := sha256.Sum256(payload)
	if d.pending[k] != nil {
		d.byRequest[requestID] = k
	}
}

func (d *destination) settled(requestID string, failed bool, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, ok := d.byRequest[requestID]
	if !ok {
		return // a synchronous invocation
	}
	delete(d.byRequest, requestID)
	ev := d.pending[k]
	if ev == nil {
		return
	}
	if failed {
		ev.attempts++
		ev.lastError, ev.requestID, ev.failedAt = body, requestID, d.now()
		return
	}
	d.release(k, ev)
}

// release forgets one settled event of ev's payload.
func (d *destination) release(k [32]byte, ev *asyncEvent) {
	ev.queued--
	ev.attempts, ev.lastError = 0, nil
	if ev.queued <= 0 {
		delete(d.pending, k)
	}
}

// givenUp is called when kumo logs that it dropped an asynchronous event
// of the function after its retries (condition RetriesExhausted) or because
// it expired (EventAgeExceeded). The event with failed attempts is the one
// kumo was retrying.
func (d *destination) givenUp(condition string) {
	d.mu.Lock()
	var key [32]byte
	var ev *asyncEvent
	for k, e := range d.pending {
		if e.attempts > 0 && (ev == nil || e.failedAt.After(ev.failedAt)) {
			key, ev = k, e
		}
	}
	if ev == nil {
		d.mu.Unlock()
		d.log.Error("kumo gave up an asynchronous event the harness did not see fail: no destination record sent", "function", d.function, "condition", condition)
		return
	}
	record := d.record(ev, condition)
	d.release(key, ev)
	d.sent++
	d.wg.Add(1)
	d.mu.Unlock()
	// Not from kumo's goroutine that logged the drop: the send goes back
	// through the proxy to kumo's SQS.
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.send(ctx, record); err != nil {
			d.log.Error("destination record not sent to the dead-letter queue", "function", d.function, "error", err.Error())
		}
	}()
}

func (d *destination) record(ev *asyncEvent, condition string) string {
	errBody := json.RawMessage(ev.lastError)
	if !json.Valid(errBody) {
		b, _ := json.Marshal(map[string]string{"errorMessage": string(ev.lastError)})
		errBody = b
	}
	rec := map[string]any{
		"version":   "1.0",
		"timestamp": d.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId": ev.requestID, "functionArn": d.functionArn + ":$LATEST",
			"condition": condition, "approximateInvokeCount": ev.attempts,
		},
		"requestPayload":  json.RawMessage(ev.payload),
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"responsePayload": errBody,
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

// Sent is how many destination records were sent.
func (d *destination) Sent() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sent
}

// wait returns once every send has ended.
func (d *destination) wait() { d.wg.Wait() }

// readAll reads r's body and puts it back for the next handler.
func readAll(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(r.Body) // a short read forwards what arrived, as the proxy would
	_ = r.Body.Close()         // the server's request body: nothing to report
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// recorder passes a response through, noting its status and (keep) body.
type recorder struct {
	http.ResponseWriter
	status int
	keep   bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.keep {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

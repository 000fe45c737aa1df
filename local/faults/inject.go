package faults

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counts are the faults injected so far (summary.json's "faults").
type Counts struct {
	S3SlowDown         int64 `json:"s3SlowDown"`
	DynamoDBThrottled  int64 `json:"dynamodbThroughputExceeded"`
	LatencySpikes      int64 `json:"latencySpikes"`
	DroppedConnections int64 `json:"droppedConnections"`
	Kills              int64 `json:"handlerKills"`
	// Requests is how many requests the function made through the
	// injector, faulted or not.
	Requests int64 `json:"requests"`
}

// Total is the number of faults of every kind.
func (c Counts) Total() int64 {
	return c.S3SlowDown + c.DynamoDBThrottled + c.LatencySpikes + c.DroppedConnections + c.Kills
}

// Injector serves next, faulting requests as its Spec says. It is safe for
// concurrent use; SetSpec changes the faults of later requests.
type Injector struct {
	next http.Handler

	mu   sync.Mutex
	spec Spec
	rng  *rand.Rand

	s3, ddb, latency, drops, kills, requests atomic.Int64
}

// NewInjector returns an injector in front of next.
func NewInjector(spec Spec, next http.Handler) *Injector {
	in := &Injector{next: next}
	in.SetSpec(spec)
	return in
}

// SetSpec replaces the faults (a zero Spec turns them off); a spec without
// a seed gets a random one.
func (in *Injector) SetSpec(spec Spec) {
	spec = spec.WithSeed()
	in.mu.Lock()
	defer in.mu.Unlock()
	in.spec = spec
	in.rng = rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
}

// Spec is the current spec, with its seed.
func (in *Injector) Spec() Spec {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.spec
}

// Counts reports the faults injected so far.
func (in *Injector) Counts() Counts {
	return Counts{
		S3SlowDown: in.s3.Load(), DynamoDBThrottled: in.ddb.Load(), LatencySpikes: in.latency.Load(),
		DroppedConnections: in.drops.Load(), Kills: in.kills.Load(), Requests: in.requests.Load(),
	}
}

// CountKill records a handler process killed (by the local stack).
func (in *Injector) CountKill() { in.kills.Add(1) }

// decision is what happens to one request.
type decision struct {
	delay     time.Duration
	s3Error   bool
	ddbError  bool
	drop      bool
	dropAfter bool // the request reaches the local AWS, its answer is lost
}

func (in *Injector) decide(r *http.Request) decision {
	in.mu.Lock()
	defer in.mu.Unlock()
	s, rng := in.spec, in.rng
	var d decision
	if s.Latency > 0 && rng.Float64() < s.Latency {
		lo, hi := s.latencyRange()
		d.delay = lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
	}
	switch op := operation(r); {
	case (op == opS3Get || op == opS3Put) && s.S3Errors > 0 && rng.Float64() < s.S3Errors:
		d.s3Error = true
	case op == opPutItem && s.DynamoDBErrors > 0 && rng.Float64() < s.DynamoDBErrors:
		d.ddbError = true
	case s.Drops > 0 && rng.Float64() < s.Drops:
		d.drop, d.dropAfter = true, rng.IntN(2) == 1
	}
	return d
}

func (in *Injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in.requests.Add(1)
	d := in.decide(r)
	if d.delay > 0 {
		in.latency.Add(1)
		t := time.NewTimer(d.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case d.s3Error:
		in.s3.Add(1)
		drain(r)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate. (Injected by the local stack's fault proxy.)</Message>`+
			`<RequestId>fault-injected</RequestId><HostId>local</HostId></Error>`) // a client gone away is told nothing
	case d.ddbError:
		in.ddb.Add(1)
		drain(r)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",`+
			`"message":"The level of configured provisioned throughput for the table was exceeded. (Injected by the local stack's fault proxy.)"}`)
	case d.drop:
		in.drops.Add(1)
		if d.dropAfter {
			// The local AWS does the work; the answer never arrives.
			in.next.ServeHTTP(&discard{h: http.Header{}}, r)
		} else {
			drain(r)
		}
		hangUp(w)
	default:
		in.next.ServeHTTP(w, r)
	}
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	_ = conn.Close() // the point is to close it; nothing to tell anyone
}

func drain(r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// Operations the injector tells apart.
const (
	opOther = iota
	opS3Get
	opS3Put
	opPutItem
)

// operation classifies a request of the AWS SDK to the local AWS, by the
// service its signature names: S3 path-style object reads and writes (not
// listings, heads, multipart or copies), and DynamoDB PutItem by its
// X-Amz-Target.
func operation(r *http.Request) int {
	switch signedService(r) {
	case "dynamodb":
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutItem") {
			return opPutItem
		}
		return opOther
	case "s3":
	default:
		return opOther
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || bucket == "" || key == "" || strings.HasPrefix(r.URL.Path, "/_") {
		return opOther
	}
	q := r.URL.Query()
	for _, sub := range []string{"uploads", "uploadId", "partNumber", "tagging", "acl", "attributes", "retention", "legal-hold", "torrent", "restore", "select"} {
		if q.Has(sub) {
			return opOther
		}
	}
	switch r.Method {
	case http.MethodGet:
		return opS3Get
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return opOther
		}
		return opS3Put
	}
	return opOther
}

// signedService is the service of a SigV4 request's credential scope
// ("Credential=AKID/20260101/us-east-1/s3/aws4_request"), "" without one.
func signedService(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

package stack

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// opFaults makes the local AWS answer some requests with an error, as an
// outage would, so tests can show what the pipeline does then (the SDK's
// retries, the function's error, kumo's retries, the dead-letter queue)
// and what happens once the fault is gone (redrive).
type opFaults struct {
	mu    sync.Mutex
	seq   int
	rules map[int]func(*http.Request) bool
}

func (f *opFaults) add(match func(*http.Request) bool) (remove func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rules == nil {
		f.rules = map[int]func(*http.Request) bool{}
	}
	f.seq++
	id := f.seq
	f.rules[id] = match
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.rules, id)
	}
}

func (f *opFaults) matches(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.rules {
		if m(r) {
			return true
		}
	}
	return false
}

// wrap answers matching requests with S3's 503 SlowDown, a transient
// error every S3 client retries and finally gives up on.
func (f *opFaults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.matches(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate (a fault injected by the local stack on %s).</Message>`+
			`<RequestId>local-fault</RequestId></Error>`, r.URL.Path) // a client gone away: nothing to tell it
	})
}

// FailObjectReads makes every GetObject of a key of the stack's bucket
// under keyPrefix fail with 503 SlowDown until the returned func is called.
// Listing, HeadObject and writes are not affected.
func (s *Stack) FailObjectReads(keyPrefix string) (restore func()) {
	path := "/" + s.Names.Bucket + "/" + keyPrefix
	return s.faults.add(func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, path) && len(r.URL.Path) > len("/"+s.Names.Bucket+"/")
	})
}

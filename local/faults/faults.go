// Package faults injects the faults an image pipeline meets at scale
// between the function and the local AWS: S3 GetObject and PutObject
// answered with 503 SlowDown, DynamoDB PutItem answered with
// ProvisionedThroughputExceededException, latency spikes, and dropped
// connections (before the request reaches the local AWS, or after it did,
// with the answer lost). The local stack serves the function's AWS
// endpoint through an Injector; it also SIGKILLs a handler process every
// KillEvery, as a crashed Lambda execution environment (local/stack).
//
// The errors are the ones AWS sends, in AWS's wire format, so the SDK's own
// retries, the function's fault classification and the queue's redelivery
// all meet what they would meet on AWS. Only loopback traffic of the local
// stack goes through it; nothing here is part of the Lambda.
//
// A spec is written FAULTS=... for `make load`:
//
//	none                                    no faults
//	default                                 s3=0.10,ddb=0.10,latency=0.05,drop=0.01,kill=5s
//	s3=0.1,ddb=0.1,latency=0.05,latency-ms=200-800,drop=0.02,kill=5s,seed=7
//
// Rates are the fraction of matching requests faulted (0 to 1); kill is an
// interval (0: never); seed fixes the random choices (0: a random seed,
// which String reports).
package faults

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Spec says which faults to inject, and how often.
type Spec struct {
	S3Errors       float64       // of S3 GetObject and PutObject requests: 503 SlowDown
	DynamoDBErrors float64       // of DynamoDB PutItem requests: ProvisionedThroughputExceededException
	Latency        float64       // of every request: a delay from LatencyMin to LatencyMax first
	LatencyMin     time.Duration // default 200 ms
	LatencyMax     time.Duration // default 800 ms
	Drops          float64       // of every request: the connection closed without an answer
	KillEvery      time.Duration // a handler process SIGKILLed this often; 0: never
	Seed           uint64        // of the random choices; 0: chosen at random by WithSeed
}

// Default is FAULTS=default: 10 % S3 and DynamoDB errors, latency spikes
// on 5 % of requests, 1 % dropped connections, a kill every 5 s.
var Default = Spec{S3Errors: 0.10, DynamoDBErrors: 0.10, Latency: 0.05, Drops: 0.01, KillEvery: 5 * time.Second}

const (
	defaultLatencyMin = 200 * time.Millisecond
	defaultLatencyMax = 800 * time.Millisecond
	// maxLatency bounds a spike: every delay ends.
	maxLatency = 10 * time.Second
	// minKillEvery bounds how often a process may be killed.
	minKillEvery = 100 * time.Millisecond
)

// None reports whether s injects nothing.
func (s Spec) None() bool {
	return s.S3Errors == 0 && s.DynamoDBErrors == 0 && s.Latency == 0 && s.Drops == 0 && s.KillEvery == 0
}

// WithSeed returns s with a seed: its own, or a random one.
func (s Spec) WithSeed() Spec {
	if s.Seed == 0 {
		s.Seed = rand.Uint64()>>1 | 1
	}
	return s
}

func (s Spec) latencyRange() (lo, hi time.Duration) {
	lo, hi = s.LatencyMin, s.LatencyMax
	if lo == 0 && hi == 0 {
		lo, hi = defaultLatencyMin, defaultLatencyMax
	}
	return lo, hi
}

// String is the spec in Parse's syntax.
func (s Spec) String() string {
	if s.None() {
		return "none"
	}
	var parts []string
	rate := func(k string, v float64) {
		if v > 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	rate("s3", s.S3Errors)
	rate("ddb", s.DynamoDBErrors)
	rate("latency", s.Latency)
	if s.Latency > 0 {
		lo, hi := s.latencyRange()
		parts = append(parts, fmt.Sprintf("latency-ms=%d-%d", lo.Milliseconds(), hi.Milliseconds()))
	}
	rate("drop", s.Drops)
	if s.KillEvery > 0 {
		parts = append(parts, "kill="+s.KillEvery.String())
	}
	if s.Seed != 0 {
		parts = append(parts, "seed="+strconv.FormatUint(s.Seed, 10))
	}
	return strings.Join(parts, ",")
}

// Parse reads a spec: "none" (or ""), "default", or comma-separated
// key=value pairs (s3, ddb, latency, drop: rates from 0 to 1; latency-ms:
// MIN-MAX milliseconds; kill: a Go duration, 0 for never; seed: a positive
// integer). "default," followed by pairs starts from Default. Every
// problem is named.
func Parse(text string) (Spec, error) {
	text = strings.TrimSpace(text)
	switch text {
	case "", "none":
		return Spec{}, nil
	case "default":
		return Default, nil
	}
	var s Spec
	var errs []error
	for i, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if i == 0 && part == "default" {
			s = Default
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("%q is not key=value", part))
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		rate := func(dst *float64) {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				errs = append(errs, fmt.Errorf("%s=%s: want a rate from 0 to 1", k, v))
				return
			}
			*dst = f
		}
		switch k {
		case "s3":
			rate(&s.S3Errors)
		case "ddb":
			rate(&s.DynamoDBErrors)
		case "latency":
			rate(&s.Latency)
		case "drop":
			rate(&s.Drops)
		case "latency-ms":
			lo, hi, ok := strings.Cut(v, "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if !ok || err1 != nil || err2 != nil || a < 0 || b < a || time.Duration(b)*time.Millisecond > maxLatency {
				errs = append(errs, fmt.Errorf("latency-ms=%s: want MIN-MAX milliseconds, 0 <= MIN <= MAX <= %d", v, maxLatency.Milliseconds()))
				continue
			}
			s.LatencyMin, s.LatencyMax = time.Duration(a)*time.Millisecond, time.Duration(b)*time.Millisecond
		case "kill":
			d, err := time.ParseDuration(v)
			if v == "0" {
				d, err = 0, nil
			}
			if err != nil || d < 0 || (d > 0 && d < minKillEvery) {
				errs = append(errs, fmt.Errorf("kill=%s: want an interval of at least %s (e.g. 5s), or 0 for never", v, minKillEvery))
				continue
			}
			s.KillEvery = d
		case "seed":
			n, err := strconv.ParseUint(v, 10, 63)
			if err != nil || n == 0 {
				errs = append(errs, fmt.Errorf("seed=%s: want a positive integer", v))
				continue
			}
			s.Seed = n
		default:
			errs = append(errs, fmt.Errorf("unknown fault %q (known: s3, ddb, latency, latency-ms, drop, kill, seed)", k))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Spec{}, fmt.Errorf("faults %q: %w", text, err)
	}
	return s, nil
}

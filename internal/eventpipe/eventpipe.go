// Package eventpipe emulates the outcome-events pipe (modules/events) for
// the local stack and tests, where no EventBridge Pipes exists: it takes
// the metadata table's stream records in the JSON shape Pipes hands its
// filter and enrichment, keeps those matching contract.PipeFilterPatterns,
// runs the same enrichment code the pipe's Lambda runs (lambda/outcome),
// and turns each answer into the PutEvents entry the pipe's target
// parameters describe (source contract.EventSource, detail-type from
// contract.PipeEnrichedDetailTypePath, detail from
// contract.PipeEnrichedDetailTemplate). Everything it reads is declared
// once in internal/contract, which modules/events reads too.
package eventpipe

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/outcome"
)

// Entry is one event the pipe puts on the bus.
type Entry struct {
	Source     string
	DetailType string
	Detail     string // a JSON object
}

// Selected returns the records (each one stream record's JSON) that pass
// any of the pipe's filter patterns, in order.
func Selected(records [][]byte) ([][]byte, error) {
	patterns := contract.PipeFilterPatterns()
	var out [][]byte
	for i, r := range records {
		for _, p := range patterns {
			ok, err := Match(p, r)
			if err != nil {
				return nil, fmt.Errorf("eventpipe: record %d: %w", i, err)
			}
			if ok {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

// Entries runs one batch through the pipe: filter, enrichment, target
// parameters. It returns no entries (and calls no enrichment) when no
// record passes the filter.
func Entries(records [][]byte) ([]Entry, error) {
	selected, err := Selected(records)
	if err != nil || len(selected) == 0 {
		return nil, err
	}
	batch := make([]json.RawMessage, len(selected))
	for i, r := range selected {
		batch[i] = r
	}
	payload, err := json.Marshal(batch)
	if err != nil {
		return nil, fmt.Errorf("eventpipe: encode the enrichment batch: %w", err)
	}
	evs, err := outcome.Enrich(payload)
	if err != nil {
		return nil, err
	}
	answer, err := json.Marshal(evs)
	if err != nil {
		return nil, fmt.Errorf("eventpipe: encode the enrichment answer: %w", err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(answer, &items); err != nil {
		return nil, fmt.Errorf("eventpipe: the enrichment answer is no JSON array: %w", err)
	}
	entries := make([]Entry, 0, len(items))
	for i, item := range items {
		dt, err := path(item, contract.PipeEnrichedDetailTypePath)
		if err != nil {
			return nil, fmt.Errorf("eventpipe: enrichment answer %d: detail-type: %w", i, err)
		}
		var detailType string
		if err := json.Unmarshal(dt, &detailType); err != nil {
			return nil, fmt.Errorf("eventpipe: enrichment answer %d: detail-type is no string: %s", i, dt)
		}
		detail, err := render(item, contract.PipeEnrichedDetailTemplate)
		if err != nil {
			return nil, fmt.Errorf("eventpipe: enrichment answer %d: detail: %w", i, err)
		}
		entries = append(entries, Entry{Source: contract.EventSource, DetailType: detailType, Detail: string(detail)})
	}
	return entries, nil
}

// path resolves a dynamic path parameter of the form "$.a.b" in doc.
func path(doc []byte, p string) (json.RawMessage, error) {
	rest, ok := strings.CutPrefix(p, "$.")
	if !ok || rest == "" {
		return nil, fmt.Errorf("path %q is not emulated (only $.field.field...)", p)
	}
	cur := json.RawMessage(doc)
	for _, field := range strings.Split(rest, ".") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil {
			return nil, fmt.Errorf("path %q: %q is not inside an object", p, field)
		}
		v, ok := obj[field]
		if !ok {
			return nil, fmt.Errorf("path %q: no field %q", p, field)
		}
		cur = v
	}
	return cur, nil
}

// render applies an input template that is one whole placeholder
// ("<$.path>"), the only form the pipe uses; the value must be a JSON
// object, as an event's detail is.
func render(doc []byte, template string) (json.RawMessage, error) {
	inner, ok := strings.CutPrefix(template, "<")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	if !ok || strings.ContainsAny(inner, "<>") {
		return nil, fmt.Errorf("input template %q is not emulated (only one whole <$.path> placeholder)", template)
	}
	v, err := path(doc, inner)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return nil, fmt.Errorf("input template %q gives %s, not a JSON object", template, v)
	}
	return v, nil
}

package eventpipe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Match reports whether the JSON document doc matches the EventBridge
// event pattern pattern, for the part of the pattern language a pipe
// filter here uses: nested objects, arrays of literal values (any one
// equal), and the content filters "anything-but" (a literal or a list),
// "exists" and "prefix". Any other construct is an error naming it, so a
// pattern the emulation cannot honour fails loudly instead of matching
// wrongly.
func Match(pattern string, doc []byte) (bool, error) {
	var p map[string]any
	if err := decode([]byte(pattern), &p); err != nil {
		return false, fmt.Errorf("eventpipe: the pattern is no JSON object: %w", err)
	}
	var d map[string]any
	if err := decode(doc, &d); err != nil {
		return false, fmt.Errorf("eventpipe: the document is no JSON object: %w", err)
	}
	return matchObject(p, d, "")
}

func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func matchObject(p, d map[string]any, path string) (bool, error) {
	for key, want := range p {
		at := path + "." + key
		got, exists := d[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok {
				// A nested pattern on a missing or non-object field matches
				// nothing, but the pattern must still be well formed.
				if _, err := matchObject(w, map[string]any{}, at); err != nil {
					return false, err
				}
				return false, nil
			}
			ok, err := matchObject(w, sub, at)
			if err != nil || !ok {
				return false, err
			}
		case []any:
			ok, err := matchValues(w, got, exists, at)
			if err != nil || !ok {
				return false, err
			}
		default:
			return false, fmt.Errorf("eventpipe: pattern field %s must be an object or an array, got %v", at, want)
		}
	}
	return true, nil
}

// matchValues: the field matches if any element of the pattern array does.
func matchValues(want []any, got any, exists bool, at string) (bool, error) {
	matched := false
	for _, w := range want {
		ok, err := matchElement(w, got, exists, at)
		if err != nil {
			return false, err
		}
		matched = matched || ok
	}
	return matched, nil
}

func matchElement(w, got any, exists bool, at string) (bool, error) {
	filter, isFilter := w.(map[string]any)
	if !isFilter {
		if !exists {
			return false, nil
		}
		return anyValue(got, func(v any) bool { return literalEqual(w, v) }), nil
	}
	if len(filter) != 1 {
		return false, fmt.Errorf("eventpipe: content filter at %s must have exactly one operator, got %v", at, filter)
	}
	for op, arg := range filter {
		switch op {
		case "exists":
			b, ok := arg.(bool)
			if !ok {
				return false, fmt.Errorf("eventpipe: \"exists\" at %s takes true or false", at)
			}
			return exists == b, nil
		case "prefix":
			s, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("eventpipe: \"prefix\" at %s takes a string", at)
			}
			return exists && anyValue(got, func(v any) bool {
				str, ok := v.(string)
				return ok && strings.HasPrefix(str, s)
			}), nil
		case "anything-but":
			var excluded []any
			switch a := arg.(type) {
			case []any:
				excluded = a
			case map[string]any:
				return false, fmt.Errorf("eventpipe: \"anything-but\" with a nested filter at %s is not emulated", at)
			default:
				excluded = []any{a}
			}
			if !exists {
				return false, nil
			}
			for _, e := range excluded {
				if anyValue(got, func(v any) bool { return literalEqual(e, v) }) {
					return false, nil
				}
			}
			return true, nil
		default:
			return false, fmt.Errorf("eventpipe: content filter %q at %s is not emulated", op, at)
		}
	}
	return false, nil
}

// anyValue applies f to v, or to each element when v is an array (a
// pattern value matches an array field if it matches any element).
func anyValue(v any, f func(any) bool) bool {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if f(e) {
				return true
			}
		}
		return false
	}
	return f(v)
}

func literalEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x.String() == y.String()
	case nil:
		return b == nil
	default:
		return a == b
	}
}

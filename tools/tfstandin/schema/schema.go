// Package schema models a Terraform provider schema in the JSON shape of
// `terraform providers schema -json` (one provider) and converts it into the
// plugin protocol 6 structures the stand-in provider serves.
package schema

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Nesting modes, spelt as in `terraform providers schema -json`.
const (
	NestingSingle = "single"
	NestingList   = "list"
	NestingSet    = "set"
	NestingMap    = "map"
)

// Provider is the schema of one provider: its own configuration, its
// resources and its data sources.
type Provider struct {
	Provider          *Schema            `json:"provider"`
	ResourceSchemas   map[string]*Schema `json:"resource_schemas"`
	DataSourceSchemas map[string]*Schema `json:"data_source_schemas"`
}

// Schema is the versioned schema of one resource, data source or provider.
type Schema struct {
	Version int64  `json:"version"`
	Block   *Block `json:"block"`
}

// Block is a configuration block: attributes and nested blocks.
type Block struct {
	Attributes map[string]*Attribute   `json:"attributes,omitempty"`
	BlockTypes map[string]*NestedBlock `json:"block_types,omitempty"`
}

// Attribute is either typed (Type, a cty JSON type such as "string" or
// ["list","string"]) or a nested attribute (NestedType).
type Attribute struct {
	Type       json.RawMessage `json:"type,omitempty"`
	NestedType *Object         `json:"nested_type,omitempty"`
	Required   bool            `json:"required,omitempty"`
	Optional   bool            `json:"optional,omitempty"`
	Computed   bool            `json:"computed,omitempty"`
}

// Object is the type of a nested attribute.
type Object struct {
	Attributes  map[string]*Attribute `json:"attributes"`
	NestingMode string                `json:"nesting_mode"`
}

// NestedBlock is a block type nested in a Block.
type NestedBlock struct {
	NestingMode string `json:"nesting_mode"`
	Block       *Block `json:"block"`
	MinItems    int64  `json:"min_items,omitempty"`
	MaxItems    int64  `json:"max_items,omitempty"`
}

// Save writes p as gzip-compressed JSON.
func (p *Provider) Save(path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create schema file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close schema file: %w", cerr)
		}
	}()
	zw := gzip.NewWriter(f)
	if err := json.NewEncoder(zw).Encode(p); err != nil {
		return fmt.Errorf("encode schema: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress schema: %w", err)
	}
	return nil
}

// Load reads a schema written by Save.
func Load(path string) (*Provider, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open schema file: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("schema file %s is not gzip: %w", path, err)
	}
	return Decode(zr)
}

// Decode reads an uncompressed JSON schema.
func Decode(r io.Reader) (*Provider, error) {
	var p Provider
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	if p.Provider == nil || p.Provider.Block == nil {
		return nil, fmt.Errorf("decode schema: no provider block")
	}
	return &p, nil
}

// Proto converts s into the plugin protocol 6 schema.
func (s *Schema) Proto() (*tfprotov6.Schema, error) {
	b, err := s.Block.proto()
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: s.Version, Block: b}, nil
}

func (b *Block) proto() (*tfprotov6.SchemaBlock, error) {
	out := &tfprotov6.SchemaBlock{}
	if b == nil {
		return out, nil
	}
	for _, name := range sortedKeys(b.Attributes) {
		a, err := b.Attributes[name].proto(name)
		if err != nil {
			return nil, err
		}
		out.Attributes = append(out.Attributes, a)
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		inner, err := nb.Block.proto()
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, err := blockNesting(nb.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name, Block: inner, Nesting: mode, MinItems: nb.MinItems, MaxItems: nb.MaxItems,
		})
	}
	return out, nil
}

func (a *Attribute) proto(name string) (*tfprotov6.SchemaAttribute, error) {
	out := &tfprotov6.SchemaAttribute{Name: name, Required: a.Required, Optional: a.Optional, Computed: a.Computed}
	switch {
	case a.NestedType != nil:
		mode, err := objectNesting(a.NestedType.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		obj := &tfprotov6.SchemaObject{Nesting: mode}
		for _, n := range sortedKeys(a.NestedType.Attributes) {
			na, err := a.NestedType.Attributes[n].proto(n)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			obj.Attributes = append(obj.Attributes, na)
		}
		out.NestedType = obj
	case len(a.Type) > 0:
		t, err := parseType(a.Type)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: type %s: %w", name, a.Type, err)
		}
		out.Type = t
	default:
		return nil, fmt.Errorf("attribute %s has neither type nor nested_type", name)
	}
	return out, nil
}

// typeCache memoises parsed types: a provider schema has thousands of
// attributes but only a few dozen distinct types, and parsing them all
// dominates the stand-in's start-up, which Terraform pays on every plugin start.
var typeCache sync.Map // string -> tftypes.Type

func parseType(raw json.RawMessage) (tftypes.Type, error) {
	if t, ok := typeCache.Load(string(raw)); ok {
		return t.(tftypes.Type), nil
	}
	t, err := tftypes.ParseJSONType(raw) //nolint:staticcheck // the cty JSON type encoding is exactly what we store
	if err != nil {
		return nil, err
	}
	typeCache.Store(string(raw), t)
	return t, nil
}

func blockNesting(m string) (tfprotov6.SchemaNestedBlockNestingMode, error) {
	switch m {
	case NestingSingle:
		return tfprotov6.SchemaNestedBlockNestingModeSingle, nil
	case NestingList:
		return tfprotov6.SchemaNestedBlockNestingModeList, nil
	case NestingSet:
		return tfprotov6.SchemaNestedBlockNestingModeSet, nil
	case NestingMap:
		return tfprotov6.SchemaNestedBlockNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown block nesting mode %q", m)
}

func objectNesting(m string) (tfprotov6.SchemaObjectNestingMode, error) {
	switch m {
	case NestingSingle:
		return tfprotov6.SchemaObjectNestingModeSingle, nil
	case NestingList:
		return tfprotov6.SchemaObjectNestingModeList, nil
	case NestingSet:
		return tfprotov6.SchemaObjectNestingModeSet, nil
	case NestingMap:
		return tfprotov6.SchemaObjectNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown attribute nesting mode %q", m)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

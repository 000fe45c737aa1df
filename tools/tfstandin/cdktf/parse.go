package cdktf

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// Kind says what a lib/ folder describes.
type Kind int

// The kinds of top-level class the generated code holds.
const (
	KindResource Kind = iota + 1
	KindDataSource
	KindProvider
)

// Unit is the parsed TypeScript source of one lib/ folder.
type Unit struct {
	Kind     Kind
	TypeName string // aws_s3_bucket; "aws" for the provider
	main     string // class name of the resource, e.g. S3Bucket

	classes map[string]classInfo          // by class name
	hcl     map[string]map[string]hclMeta // by struct (interface) name, then Terraform name
	ifaces  map[string]map[string]bool    // by interface name, then camelCase field: optional?
}

type classInfo struct {
	base string // ComplexObject, ComplexList, ComplexMap, TerraformResource, ...
	body string
}

// hclMeta is what the generated *ToHclTerraform code says about a
// configurable attribute.
type hclMeta struct {
	camel   string // the TypeScript field name
	isBlock bool
	kind    string // simple, list, set, map, struct
	storage string // string, stringList, S3BucketCorsRuleList, ...
}

var (
	classRE   = regexp.MustCompile(`^class (\w+) extends cdktf\.(\w+)`)
	hclFuncRE = regexp.MustCompile(`^function \w+ToHclTerraform\(struct\??: (\w+)`)
	ifaceRE   = regexp.MustCompile(`^interface (\w+)`)
	tfTypeRE  = regexp.MustCompile(`static readonly tfResourceType = "([\w-]+)"`)
	hclAttrRE = regexp.MustCompile(`(?m)^\s+"?([\w-]+)"?: \{\n\s+value: [^\n]*?(?:struct!?\.|this\._)(\w+)[^\n]*\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",`)
	fieldRE   = regexp.MustCompile(`(?m)^\s+readonly (\w+)(\??):`)
	sectionRE = regexp.MustCompile(`(?m)^\s+// ([\w-]+) - computed: (true|false), optional: (true|false), required: (true|false)$`)
	initRE    = regexp.MustCompile(`private _\w+ = new ([\w.]+)\(this, "[\w-]+"(?:, (true|false))?\)`)
	getterRE  = regexp.MustCompile(`return (cdktf\.Token\.asNumberList\()?(cdktf\.(?:Fn\.tolist|Token\.asAny)\()?(?:cdktf\.Fn\.tolist\()?this\.(get\w+Attribute|interpolationForAttribute)\(`)
	elemRE    = regexp.MustCompile(`return new (\w+)OutputReference\(`)
)

// ParseUnit parses the TypeScript source of one lib/ folder. It returns nil
// (and no error) when the source declares no resource, data source or provider.
func ParseUnit(src string) (*Unit, error) {
	u := &Unit{classes: map[string]classInfo{}, hcl: map[string]map[string]hclMeta{}, ifaces: map[string]map[string]bool{}}
	for _, chunk := range strings.Split(src, "\nexport ")[1:] {
		switch {
		case classRE.MatchString(chunk):
			m := classRE.FindStringSubmatch(chunk)
			u.classes[m[1]] = classInfo{base: m[2], body: chunk}
			kind := map[string]Kind{"TerraformResource": KindResource, "TerraformDataSource": KindDataSource, "TerraformProvider": KindProvider}[m[2]]
			if kind == 0 {
				continue
			}
			if u.Kind != 0 {
				return nil, fmt.Errorf("two top-level classes: %s and %s", u.main, m[1])
			}
			u.Kind, u.main = kind, m[1]
			t := tfTypeRE.FindStringSubmatch(chunk)
			if t == nil {
				return nil, fmt.Errorf("class %s has no tfResourceType", m[1])
			}
			u.TypeName = t[1]
			u.hcl[m[1]] = parseHCLAttrs(chunk)
		case hclFuncRE.MatchString(chunk):
			// Max-one structs take "XOutputReference | X"; key by the struct X.
			u.hcl[strings.TrimSuffix(hclFuncRE.FindStringSubmatch(chunk)[1], "OutputReference")] = parseHCLAttrs(chunk)
		case ifaceRE.MatchString(chunk):
			fields := map[string]bool{}
			for _, f := range fieldRE.FindAllStringSubmatch(chunk, -1) {
				fields[f[1]] = f[2] == "?"
			}
			u.ifaces[ifaceRE.FindStringSubmatch(chunk)[1]] = fields
		}
	}
	if u.Kind == 0 {
		return nil, nil
	}
	if u.Kind == KindProvider {
		u.TypeName = strings.TrimPrefix(u.TypeName, "registry.terraform.io/hashicorp/")
	}
	return u, nil
}

func parseHCLAttrs(chunk string) map[string]hclMeta {
	out := map[string]hclMeta{}
	for _, m := range hclAttrRE.FindAllStringSubmatch(chunk, -1) {
		out[m[1]] = hclMeta{camel: m[2], isBlock: m[3] == "true", kind: m[4], storage: m[5]}
	}
	return out
}

// section is one attribute of a generated class: the comment that names it
// and the code up to the next attribute.
type section struct {
	name                         string
	computed, optional, required bool
	code                         string
}

func sections(body string) []section {
	idx := sectionRE.FindAllStringSubmatchIndex(body, -1)
	out := make([]section, 0, len(idx))
	for i, m := range idx {
		end := len(body)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out = append(out, section{
			name:     body[m[2]:m[3]],
			computed: body[m[4]:m[5]] == "true",
			optional: body[m[6]:m[7]] == "true",
			required: body[m[8]:m[9]] == "true",
			code:     body[m[1]:end],
		})
	}
	return out
}

// Block returns the schema of the unit's resource, data source or provider.
func (u *Unit) Block() (*schema.Block, error) {
	return u.block(u.main, u.main, u.main+"Config")
}

// block builds the schema block of a struct. className is the generated class
// holding its attributes (absent for the provider's nested structs), iface the
// interface that says which configurable fields are optional.
func (u *Unit) block(structName, className, iface string) (*schema.Block, error) {
	b := &schema.Block{Attributes: map[string]*schema.Attribute{}, BlockTypes: map[string]*schema.NestedBlock{}}
	hcl := u.hcl[structName]
	var secs []section
	if c, ok := u.classes[className]; ok {
		secs = sections(c.body)
	}
	seen := map[string]bool{}
	for _, s := range secs {
		seen[s.name] = true
	}
	// Configurable attributes a class does not describe (the provider's
	// nested structs have no class): optional unless the interface says not.
	for _, name := range sortedNames(hcl) {
		if seen[name] {
			continue
		}
		optional, ok := u.ifaces[iface][hcl[name].camel]
		if !ok {
			return nil, fmt.Errorf("%s.%s: not in interface %s", structName, name, iface)
		}
		secs = append(secs, section{name: name, optional: optional, required: !optional})
	}
	for _, s := range secs {
		if meta, ok := hcl[s.name]; ok {
			if err := u.addConfigurable(b, structName, s, meta); err != nil {
				return nil, err
			}
			continue
		}
		a, err := u.computedOnly(structName, s)
		if err != nil {
			return nil, err
		}
		b.Attributes[s.name] = a
	}
	return b, nil
}

func (u *Unit) addConfigurable(b *schema.Block, structName string, s section, meta hclMeta) error {
	where := structName + "." + s.name
	if t, ok := collectionType(meta.kind, meta.storage); ok {
		b.Attributes[s.name] = &schema.Attribute{Type: t, Required: s.required, Optional: s.optional, Computed: s.computed}
		return nil
	}
	elem := meta.storage
	mode := map[string]string{"list": schema.NestingList, "set": schema.NestingSet, "map": schema.NestingMap, "struct": schema.NestingSingle}[meta.kind]
	switch meta.kind {
	case "list", "set":
		elem = strings.TrimSuffix(elem, "List")
	case "map":
		elem = strings.TrimSuffix(elem, "Map")
	case "struct":
	default:
		return fmt.Errorf("%s: unknown kind %q of type %s", where, meta.kind, meta.storage)
	}
	inner, err := u.block(elem, elem+"OutputReference", elem)
	if err != nil {
		return err
	}
	if !meta.isBlock {
		a, err := nestedAttribute(where, inner, mode, s)
		if err != nil {
			return err
		}
		b.Attributes[s.name] = a
		return nil
	}
	if mode == schema.NestingSet && hasDynamic(inner) {
		// cdktf types blocks nested too deep to generate as "any"; Terraform
		// rejects dynamic types inside set blocks, so serve those as lists.
		mode = schema.NestingList
	}
	nb := &schema.NestedBlock{NestingMode: mode, Block: inner}
	if mode == schema.NestingList || mode == schema.NestingSet {
		if s.required {
			nb.MinItems = 1
		}
		// A list block limited to one element is generated as a bare
		// OutputReference instead of a List class.
		if m := initRE.FindStringSubmatch(s.code); m != nil && m[1] == elem+"OutputReference" {
			nb.MaxItems = 1
		}
	}
	b.BlockTypes[s.name] = nb
	return nil
}

// computedOnly resolves an attribute that configuration cannot set.
func (u *Unit) computedOnly(structName string, s section) (*schema.Attribute, error) {
	where := structName + "." + s.name
	flags := func(a *schema.Attribute) *schema.Attribute {
		a.Required, a.Optional, a.Computed = s.required, s.optional, s.computed
		return a
	}
	if m := initRE.FindStringSubmatch(s.code); m != nil {
		cls := m[1]
		switch cls {
		case "cdktf.StringMap":
			return flags(&schema.Attribute{Type: ctyJSON("map", "string")}), nil
		case "cdktf.NumberMap":
			return flags(&schema.Attribute{Type: ctyJSON("map", "number")}), nil
		case "cdktf.BooleanMap":
			return flags(&schema.Attribute{Type: ctyJSON("map", "bool")}), nil
		case "cdktf.AnyMap":
			return flags(&schema.Attribute{Type: ctyJSON("map", "dynamic")}), nil
		}
		var elem, mode string
		if strings.HasSuffix(cls, "OutputReference") {
			elem, mode = strings.TrimSuffix(cls, "OutputReference"), schema.NestingSingle
		} else {
			c, ok := u.classes[cls]
			em := elemRE.FindStringSubmatch(c.body)
			if !ok || em == nil {
				return nil, fmt.Errorf("%s: no element class for %s", where, cls)
			}
			elem = em[1]
			switch {
			case c.base == "ComplexMap":
				mode = schema.NestingMap
			case m[2] == "true":
				mode = schema.NestingSet
			default:
				mode = schema.NestingList
			}
		}
		inner, err := u.block(elem, elem+"OutputReference", elem)
		if err != nil {
			return nil, err
		}
		return nestedAttribute(where, inner, mode, s)
	}
	g := getterRE.FindStringSubmatch(s.code)
	if g == nil {
		return nil, fmt.Errorf("%s: cannot tell its type", where)
	}
	set := g[2] == "cdktf.Fn.tolist("
	coll := "list"
	if set {
		coll = "set"
	}
	var t json.RawMessage
	switch g[3] {
	case "getStringAttribute":
		t = ctyJSON("string")
	case "getNumberAttribute":
		t = ctyJSON("number")
	case "getBooleanAttribute":
		t = ctyJSON("bool")
	case "getListAttribute":
		t = ctyJSON(coll, "string")
	case "getNumberListAttribute":
		t = ctyJSON(coll, "number")
	case "getStringMapAttribute":
		t = ctyJSON("map", "string")
	case "getNumberMapAttribute":
		t = ctyJSON("map", "number")
	case "getBooleanMapAttribute":
		t = ctyJSON("map", "bool")
	case "getAnyMapAttribute":
		t = ctyJSON("map", "dynamic")
	case "interpolationForAttribute":
		t = ctyJSON("dynamic")
	default:
		return nil, fmt.Errorf("%s: unknown getter %s", where, g[3])
	}
	return flags(&schema.Attribute{Type: t}), nil
}

func nestedAttribute(where string, inner *schema.Block, mode string, s section) (*schema.Attribute, error) {
	if len(inner.BlockTypes) > 0 {
		return nil, fmt.Errorf("%s: a nested attribute holding blocks", where)
	}
	if mode == schema.NestingSet && hasDynamic(inner) {
		mode = schema.NestingList // see addConfigurable
	}
	return &schema.Attribute{
		NestedType: &schema.Object{Attributes: inner.Attributes, NestingMode: mode},
		Required:   s.required, Optional: s.optional, Computed: s.computed,
	}, nil
}

var primitives = map[string]string{"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}

// collectionType maps a primitive or collection-of-primitive storage class to
// its cty JSON type; ok is false for object types.
func collectionType(kind, storage string) (json.RawMessage, bool) {
	if p, ok := primitives[storage]; ok {
		return ctyJSON(p), true
	}
	coll := kind
	if coll != "list" && coll != "set" {
		coll = "list"
	}
	for prefix, p := range primitives {
		switch storage {
		case prefix + "List":
			return ctyJSON(coll, p), true
		case prefix + "Map":
			return ctyJSON("map", p), true
		case prefix + "ListList":
			return ctyJSON(coll, []any{"list", p}), true
		case prefix + "MapList":
			return ctyJSON(coll, []any{"map", p}), true
		case prefix + "MapMap":
			return ctyJSON("map", []any{"map", p}), true
		}
	}
	return nil, false
}

// ctyJSON encodes a cty type in its JSON form: "string", ["list","string"], ...
func ctyJSON(parts ...any) json.RawMessage {
	v := parts[0]
	if len(parts) == 2 {
		v = []any{parts[0], parts[1]}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and slices of strings always marshal
	}
	return b
}

func sortedNames(m map[string]hclMeta) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hasDynamic reports whether any attribute in b or below is of dynamic type.
func hasDynamic(b *schema.Block) bool {
	for _, a := range b.Attributes {
		if strings.Contains(string(a.Type), `"dynamic"`) {
			return true
		}
		if a.NestedType != nil && hasDynamic(&schema.Block{Attributes: a.NestedType.Attributes}) {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if hasDynamic(nb.Block) {
			return true
		}
	}
	return false
}

package hclgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// The files of modules/processing that are edited in place: the input
// variables of the Lambda's settings in variables.tf, and the environment
// block of the function in main.tf. Everything else in them is hand-written
// and kept as it is.
const (
	ProcessingVariables = "modules/processing/variables.tf"
	ProcessingMain      = "modules/processing/main.tf"
)

// generatedComment opens every block this package writes into a
// hand-written file.
func generatedComment(what string) string {
	return "# Generated from internal/contract (" + what + ") by `make generate`: edit it there.\n"
}

// Generate returns every generated file, by path relative to the
// repository root: modules/contract, and ProcessingVariables and
// ProcessingMain as read from root with their generated blocks rewritten.
func Generate(root string) (map[string][]byte, error) {
	contractFiles, err := Files()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, data := range contractFiles {
		out["modules/contract/"+name] = data
	}
	for path, rewrite := range map[string]func([]byte) ([]byte, error){
		ProcessingVariables: RewriteVariables,
		ProcessingMain:      RewriteEnvironment,
	} {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		if err != nil {
			return nil, fmt.Errorf("hclgen: %w", err)
		}
		data, err := rewrite(src)
		if err != nil {
			return nil, fmt.Errorf("hclgen: %s: %w", path, err)
		}
		out[path] = data
	}
	return out, nil
}

// RewriteVariables rewrites, in the variables.tf of modules/processing,
// the input variable of every Input setting from contract.Settings:
// description, type, default and validation. A missing one is appended.
func RewriteVariables(src []byte) ([]byte, error) {
	f, diags := hclwrite.ParseConfig(src, ProcessingVariables, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body := f.Body()
	for _, st := range contract.Settings {
		if !st.Input {
			continue
		}
		blk := body.FirstMatchingBlock("variable", []string{st.Name})
		if blk == nil {
			body.AppendNewline()
			blk = body.AppendNewBlock("variable", []string{st.Name})
		}
		if err := writeVariable(blk.Body(), st); err != nil {
			return nil, fmt.Errorf("setting %s: %w", st.Name, err)
		}
	}
	return hclwrite.Format(f.Bytes()), nil
}

func writeVariable(b *hclwrite.Body, st contract.Setting) error {
	typ, cond, msg, err := inputRules(st)
	if err != nil {
		return err
	}
	def, err := settingValue(st)
	if err != nil {
		return err
	}
	if st.Description == "" {
		return fmt.Errorf("an Input setting needs a Description")
	}
	clearBody(b)
	b.AppendUnstructuredTokens(commentTokens(generatedComment("setting " + st.Name)))
	b.SetAttributeValue("description", cty.StringVal(st.Description))
	b.SetAttributeRaw("type", expr(typ))
	b.SetAttributeValue("default", def)
	b.SetAttributeValue("nullable", cty.False)
	if cond == "" {
		return nil
	}
	b.AppendNewline()
	v := b.AppendNewBlock("validation", nil).Body()
	v.SetAttributeRaw("condition", expr(cond))
	v.SetAttributeValue("error_message", cty.StringVal(msg))
	return nil
}

// inputRules returns the HCL type of st's input variable, its validation
// condition and error message (none for a string or bool).
func inputRules(st contract.Setting) (typ, cond, msg string, err error) {
	v := "var." + st.Name
	lo, hi := strconv.FormatInt(st.Range.Min, 10), strconv.FormatInt(st.Range.Max, 10)
	switch st.Kind {
	case contract.KindInt:
		return "number",
			fmt.Sprintf("%s >= %s && %s <= %s && floor(%s) == %s", v, lo, v, hi, v, v),
			fmt.Sprintf("%s must be a whole number from %s to %s.", st.Name, lo, hi), nil
	case contract.KindIntList:
		return "list(number)",
			fmt.Sprintf("length(%s) >= %d && length(distinct(%s)) <= %d && alltrue([for s in %s : s >= %s && s <= %s && floor(s) == s])",
				v, st.Count.Min, v, st.Count.Max, v, lo, hi),
			fmt.Sprintf("%s must hold %d to %d distinct whole numbers from %s to %s.", st.Name, st.Count.Min, st.Count.Max, lo, hi), nil
	case contract.KindEnum:
		quoted := make([]string, len(st.Values))
		for i, s := range st.Values {
			quoted[i] = strconv.Quote(s)
		}
		return "string",
			fmt.Sprintf("contains([%s], %s)", strings.Join(quoted, ", "), v),
			fmt.Sprintf("%s must be one of %s.", st.Name, strings.Join(st.Values, ", ")), nil
	case contract.KindEnumList:
		quoted := make([]string, len(st.Values))
		for i, s := range st.Values {
			quoted[i] = strconv.Quote(s)
		}
		return "list(string)",
			fmt.Sprintf("length(%s) >= %d && length(%s) <= %d && length(distinct(%s)) == length(%s) && alltrue([for s in %s : contains([%s], s)])",
				v, st.Count.Min, v, st.Count.Max, v, v, v, strings.Join(quoted, ", ")),
			fmt.Sprintf("%s must hold %d to %d of %s, each at most once.", st.Name, st.Count.Min, st.Count.Max, strings.Join(st.Values, ", ")), nil
	case contract.KindString:
		if st.Pattern != "" {
			return "string",
				fmt.Sprintf("can(regex(%s, %s))", strconv.Quote("^(?:"+st.Pattern+")$"), v),
				fmt.Sprintf("%s must be %s.", st.Name, st.PatternDoc), nil
		}
		return "string", "", "", nil
	case contract.KindBool:
		return "bool", "", "", nil
	}
	return "", "", "", fmt.Errorf("kind %q has no HCL input", st.Kind)
}

// RewriteEnvironment rewrites, in the main.tf of modules/processing, the
// variables of the function's environment block: one entry per setting
// that Terraform sets, keyed by its name from modules/contract.
func RewriteEnvironment(src []byte) ([]byte, error) {
	f, diags := hclwrite.ParseConfig(src, ProcessingMain, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	var fns []*hclwrite.Block
	for _, b := range f.Body().Blocks() {
		if l := b.Labels(); b.Type() == "resource" && len(l) == 2 && l[0] == "aws_lambda_function" {
			fns = append(fns, b)
		}
	}
	if len(fns) != 1 {
		return nil, fmt.Errorf("want exactly one aws_lambda_function, found %d", len(fns))
	}
	env := fns[0].Body().FirstMatchingBlock("environment", nil)
	if env == nil {
		return nil, fmt.Errorf("aws_lambda_function.%s has no environment block", fns[0].Labels()[1])
	}
	var lines strings.Builder
	lines.WriteString("{\n")
	for _, st := range contract.Settings {
		value, err := envValue(st)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %w", st.Name, err)
		}
		if value != "" {
			fmt.Fprintf(&lines, "(module.contract.env.%s) = %s\n", st.Name, value)
		}
	}
	lines.WriteString("}")
	b := env.Body()
	clearBody(b)
	b.AppendUnstructuredTokens(commentTokens(generatedComment("Settings")))
	b.SetAttributeRaw("variables", expr(lines.String()))
	return hclwrite.Format(f.Bytes()), nil
}

// envValue is the HCL expression modules/processing sets st to, as the
// string the environment holds; "" when Terraform does not set it.
func envValue(st contract.Setting) (string, error) {
	if !st.Input {
		return st.HCL, nil
	}
	if st.HCL != "" {
		return "", fmt.Errorf("an Input setting takes its value from var.%s, not from HCL %q", st.Name, st.HCL)
	}
	v := "var." + st.Name
	switch st.Kind {
	case contract.KindString, contract.KindEnum:
		return v, nil
	case contract.KindInt, contract.KindBool:
		return "tostring(" + v + ")", nil
	case contract.KindIntList, contract.KindEnumList:
		return `join(",", ` + v + `)`, nil
	}
	return "", fmt.Errorf("kind %q has no environment form", st.Kind)
}

// clearBody empties b and leaves it open for new content on the next line.
// (Body.Clear alone keeps the removed attributes findable by
// SetAttribute*, which would then write into detached nodes.)
func clearBody(b *hclwrite.Body) {
	// A parsed body starts with the newline after "{"; a new one is empty
	// (its block writes that newline).
	parsed := len(b.BuildTokens(nil)) > 0
	for name := range b.Attributes() {
		b.RemoveAttribute(name)
	}
	for _, blk := range b.Blocks() {
		b.RemoveBlock(blk)
	}
	b.Clear()
	if parsed {
		b.AppendNewline()
	}
}

// expr returns the tokens of an HCL expression.
func expr(src string) hclwrite.Tokens {
	f, diags := hclwrite.ParseConfig([]byte("x = "+src+"\n"), "expr", hcl.InitialPos)
	if diags.HasErrors() {
		panic(fmt.Sprintf("hclgen: bad generated expression %q: %s", src, diags.Error()))
	}
	return f.Body().GetAttribute("x").Expr().BuildTokens(nil)
}

func commentTokens(text string) hclwrite.Tokens {
	var ts hclwrite.Tokens
	for line := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		ts = append(ts, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(line + "\n")})
	}
	return ts
}

package stack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// InputsFromEnv returns the modules/processing inputs of INGESTION and of
// every Lambda setting that has one (contract.Settings, Input) and is set in the
// environment lookup reads, under its environment name: `make run
// THUMBNAIL_FORMATS=jpeg,webp` sets the input thumbnail_formats to
// ["jpeg", "webp"]. Values are converted to the input's type as the
// environment spells them; the module's own validations then judge them,
// as they would for a root stack. A value that is not even of the right
// type (a word for a number) is an error naming the variable.
func InputsFromEnv(lookup func(string) (string, bool)) (map[string]any, error) {
	inputs := map[string]any{}
	for _, s := range contract.Settings {
		v, ok := lookup(s.Env)
		if !s.Input || !ok || strings.TrimSpace(v) == "" {
			continue
		}
		v = strings.TrimSpace(v)
		bad := func(want string) error {
			return fmt.Errorf("%s=%q: want %s (%s)", s.Env, v, want, s.Accepted())
		}
		switch s.Kind {
		case contract.KindString:
			inputs[s.Name] = v
		case contract.KindEnum:
			inputs[s.Name] = v
			for _, want := range s.Values {
				if strings.EqualFold(v, want) {
					inputs[s.Name] = want
				}
			}
		case contract.KindInt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, bad("an integer")
			}
			inputs[s.Name] = n
		case contract.KindIntList:
			var ns []int64
			for part := range strings.SplitSeq(v, ",") {
				n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
				if err != nil {
					return nil, bad("comma-separated integers")
				}
				ns = append(ns, n)
			}
			inputs[s.Name] = ns
		case contract.KindEnumList:
			var names []string
			for part := range strings.SplitSeq(v, ",") {
				names = append(names, strings.ToLower(strings.TrimSpace(part)))
			}
			inputs[s.Name] = names
		case contract.KindBool:
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return nil, bad("true or false")
			}
			inputs[s.Name] = b
		default:
			return nil, fmt.Errorf("%s: setting kind %q has no input conversion", s.Env, s.Kind)
		}
	}
	// INGESTION=direct|sqs is the module's ingestion input, not a Lambda
	// setting: `make run INGESTION=direct`, `make local-up INGESTION=sqs`.
	if v, ok := lookup(EnvIngestion); ok && strings.TrimSpace(v) != "" {
		inputs["ingestion"] = strings.TrimSpace(v)
	}
	return inputs, nil
}

// EnvIngestion names the ingestion mode of the local stack's commands.
const EnvIngestion = "INGESTION"

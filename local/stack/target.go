package stack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
)

// Target describes the running stack for the shared end-to-end checks,
// with the thumbnail sizes and prefixes the function is configured with.
func (s *Stack) Target() (verify.Target, error) {
	sizes, err := parseSizes(s.Env[contract.EnvThumbnailSizes])
	if err != nil {
		return verify.Target{}, err
	}
	return verify.Target{
		S3:               s.S3,
		DynamoDB:         s.DynamoDB,
		Bucket:           s.Names.Bucket,
		Table:            s.Names.Table,
		UploadsPrefix:    s.Env[contract.EnvUploadsPrefix],
		ThumbnailsPrefix: s.Env[contract.EnvThumbnailsPrefix],
		Sizes:            sizes,
	}, nil
}

func parseSizes(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("function env %s=%q: want a comma-separated list of positive sizes", contract.EnvThumbnailSizes, v)
		}
		out = append(out, n)
	}
	return out, nil
}

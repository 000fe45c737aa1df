package stack

import (
	"fmt"

	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/config"
)

// Target describes the running stack for the shared end-to-end checks,
// with the thumbnail sizes and prefixes the function is configured with,
// read from its environment by the function's own configuration loader.
func (s *Stack) Target() (verify.Target, error) {
	c, err := config.Load(func(name string) (string, bool) { v, ok := s.Env[name]; return v, ok })
	if err != nil {
		return verify.Target{}, fmt.Errorf("the function's environment: %w", err)
	}
	return verify.Target{
		S3:               s.S3,
		DynamoDB:         s.DynamoDB,
		Bucket:           s.Names.Bucket,
		Table:            s.Names.Table,
		UploadsPrefix:    c.UploadsPrefix,
		ThumbnailsPrefix: c.ThumbnailsPrefix,
		Sizes:            c.ThumbnailSizes,
	}, nil
}

// Command processor is the imgpipe Lambda (binary "bootstrap" on the
// provided.al2023 runtime). It only wires: configuration from the
// environment, JSON logs, AWS clients, the imaging processor and the S3
// event handler.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
	"github.com/imgpipe/imgpipe/lambda/processor"
	"github.com/imgpipe/imgpipe/lambda/rendition"
)

// exitConfig is the exit status for a configuration error.
const exitConfig = 2

func fatal(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "processor: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		fatal(exitConfig, "%v", err)
	}
	// Logs go to stderr, EMF metric lines to stdout, so the two never interleave.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(logger)
	// A soft heap limit under the function's memory makes the GC work
	// harder before Lambda kills the process for running out of memory.
	if limit, err := config.MemoryLimit(os.LookupEnv); err != nil {
		logger.Warn("Go memory limit not set", "error", err.Error())
	} else if limit > 0 {
		debug.SetMemoryLimit(limit)
		logger.Debug("Go memory limit set", "bytes", limit)
	}

	formats := make([]imaging.Format, len(cfg.ThumbnailFormats))
	for i, f := range cfg.ThumbnailFormats {
		formats[i] = imaging.Format(f.Name)
	}
	imager, err := imaging.New(imaging.Options{Sizes: cfg.ThumbnailSizes, Quality: cfg.JPEGQuality, MaxPixels: cfg.MaxImagePixels,
		Formats: formats, WebPQuality: cfg.WebPQuality, AVIFQuality: cfg.AVIFQuality, ColorOutput: imaging.ColorOutput(cfg.ColorOutput)})
	if err != nil {
		fatal(exitConfig, "imaging options: %v", err)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		fatal(1, "AWS configuration: %v", err)
	}
	s3Client := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = cfg.S3UsePathStyle })
	ddb := dynamodb.NewFromConfig(awsCfg)

	h, err := processor.New(
		objectstore.New(s3Client),
		metadata.NewStore(ddb, cfg.TableName),
		imager,
		metrics.New(os.Stdout, cfg.MetricNamespace, cfg.Environment),
		processor.Options{
			UploadsPrefix:    cfg.UploadsPrefix,
			ThumbnailsPrefix: cfg.ThumbnailsPrefix,
			MaxImageBytes:    cfg.MaxImageBytes,
			ThumbnailSizes:   cfg.ThumbnailSizes,
			ThumbnailFormats: cfg.ThumbnailFormats,
			CacheControl:     cfg.ThumbnailCacheControl,
			Rendition:        rendition.FromConfig(cfg).Fingerprint(),
			Concurrency:      cfg.RecordConcurrency,
			DeletedRecordTTL: cfg.DeletedRecordTTL,
			Logger:           logger,
		})
	if err != nil {
		fatal(exitConfig, "%v", err)
	}
	logger.Info("processor starting", "table", cfg.TableName, "environment", cfg.Environment,
		"uploadsPrefix", cfg.UploadsPrefix, "thumbnailsPrefix", cfg.ThumbnailsPrefix, "sizes", cfg.ThumbnailSizes,
		"quality", cfg.JPEGQuality, "maxImageBytes", cfg.MaxImageBytes, "maxImagePixels", cfg.MaxImagePixels,
		"concurrency", cfg.RecordConcurrency, "rendition", rendition.FromConfig(cfg).Fingerprint(),
		"deletedRecordTTL", cfg.DeletedRecordTTL.String())
	lambda.Start(h.Invoke)
}

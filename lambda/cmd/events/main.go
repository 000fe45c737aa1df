// Command events is the enrichment step of the outcome-events pipe (binary
// "bootstrap" on provided.al2023, package dist/events.zip): EventBridge
// Pipes invokes it with a batch of the metadata table's stream records and
// sends each event it answers to the bus. It only wires: the mapping is
// lambda/outcome.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/imgpipe/imgpipe/lambda/outcome"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	lambda.Start(func(_ context.Context, payload json.RawMessage) ([]outcome.Event, error) {
		evs, err := outcome.Enrich(payload)
		if err != nil {
			logger.Error("stream records not announced; the pipe retries the batch, then parks it in its dead-letter queue", "error", err.Error())
			return nil, err
		}
		logger.Info("outcome events", "events", len(evs))
		return evs, nil
	})
}

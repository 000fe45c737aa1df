package contract

import (
	"encoding/json"
	"fmt"
)

// The S3 events the trigger sends to the processor, under UploadsPrefix:
// new objects, and deletes (a delete marker, or a version deleted
// permanently).
const (
	TriggerEventsCreated = "s3:ObjectCreated:*"
	TriggerEventsRemoved = "s3:ObjectRemoved:*"
)

// TriggerEvents lists the S3 event types of the trigger, in a stable order.
var TriggerEvents = []string{TriggerEventsCreated, TriggerEventsRemoved}

// TableTTLAttribute is the numeric record attribute (Unix seconds) the
// table's TTL is set on: DynamoDB deletes a record some time after it.
// Only DELETED records carry it, when EnvDeletedRecordTTLDays is > 0.
const TableTTLAttribute = "expiresAt"

// Outcome events: every stored outcome (a PROCESSED, FAILED or DELETED
// record written) is announced once on an EventBridge bus, derived from
// the table's stream (see docs/events.md).
const (
	EventSource              = "imgpipe"
	EventDetailTypeProcessed = "Image Processed"
	EventDetailTypeFailed    = "Image Failed"
	EventDetailTypeDeleted   = "Image Deleted"
	// EventSchemaVersion is the detail's schemaVersion. A change that
	// removes or renames a field, or changes its meaning, increments it.
	EventSchemaVersion = "1"
)

// EventDetailType is the detail-type announcing a record of status, or ""
// for a status that is no outcome.
func EventDetailType(status string) string {
	switch status {
	case StatusProcessed:
		return EventDetailTypeProcessed
	case StatusFailed:
		return EventDetailTypeFailed
	case StatusDeleted:
		return EventDetailTypeDeleted
	}
	return ""
}

// The enrichment step of the events pipe answers one object per stream
// record; the pipe's target reads the event's detail-type and detail from
// these fields (PipeEnrichedDetailTypePath, PipeEnrichedDetailTemplate).
const (
	PipeEnrichedEventIDField    = "eventID" // the stream record's eventID, for the pipe's partial-failure retries
	PipeEnrichedDetailTypeField = "detailType"
	PipeEnrichedDetailField     = "detail"
	PipeEnrichedDetailTypePath  = "$." + PipeEnrichedDetailTypeField    // target DetailType (a dynamic path)
	PipeEnrichedDetailTemplate  = "<$." + PipeEnrichedDetailField + ">" // target InputTemplate: the detail object
	// PipeBatchSize is the most stream records per batch: a bus target
	// takes at most 10 events per PutEvents.
	PipeBatchSize = 10
	// PipeStartingPosition: a new pipe reads the stream from its oldest
	// record, so no outcome written before the pipe existed is skipped.
	PipeStartingPosition = "TRIM_HORIZON"
)

// PipeFilterPatterns are the EventBridge patterns (any one matching) that
// select the stream records announcing a stored outcome. Exactly one
// stream record per outcome passes:
//   - INSERT: a version's first record, whatever its status;
//   - MODIFY to PROCESSED: a success replacing a FAILED record, or a
//     reprocess replacing a PROCESSED one with new renditions;
//   - MODIFY to DELETED from any other status (a DELETED record is never
//     replaced, so this is the version's only Image Deleted).
//
// A FAILED record replaced by a later FAILED attempt (a retried or
// redelivered event) is no new outcome and passes no pattern, nor does a
// REMOVE (the table's TTL expiring a DELETED record).
func PipeFilterPatterns() []string {
	image := func(status ...string) map[string]any {
		return map[string]any{StatusIndexHashKey: map[string]any{"S": status}}
	}
	patterns := []map[string]any{
		{
			"eventName": []string{"INSERT"},
			"dynamodb":  map[string]any{"NewImage": image(StatusProcessed, StatusFailed, StatusDeleted)},
		},
		{
			"eventName": []string{"MODIFY"},
			"dynamodb":  map[string]any{"NewImage": image(StatusProcessed)},
		},
		{
			"eventName": []string{"MODIFY"},
			"dynamodb": map[string]any{
				"NewImage": image(StatusDeleted),
				"OldImage": map[string]any{StatusIndexHashKey: map[string]any{"S": []any{map[string]any{"anything-but": []string{StatusDeleted}}}}},
			},
		},
	}
	out := make([]string, len(patterns))
	for i, p := range patterns {
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("contract: encode pipe filter pattern %d: %v", i, err))
		}
		out[i] = string(b)
	}
	return out
}

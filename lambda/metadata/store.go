package metadata

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/awserr"
	"github.com/imgpipe/imgpipe/lambda/fault"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Store writes records to the metadata table.
type Store struct {
	api   API
	table string
}

// NewStore returns a Store writing to table.
func NewStore(api API, table string) *Store { return &Store{api: api, table: table} }

// Attribute names used in the write condition.
const (
	attrProcessedAt = "processedAt"
	attrRendition   = "rendition"
)

// PutResult says what Put did with a record.
type PutResult struct {
	// Written is true when the record is now the stored one; false when the
	// stored result was kept (a duplicate or late event: not an error).
	Written bool
	// Previous is the record that Written replaced, nil when there was none.
	Previous *Record
	// status is the status of the record written.
	status string
}

// Reprocessed reports whether the write replaced a PROCESSED record (of
// the same version, made with another rendition fingerprint) with a new
// PROCESSED one.
func (r PutResult) Reprocessed() bool {
	return r.Written && r.status == contract.StatusProcessed && r.Previous != nil && r.Previous.Status == contract.StatusProcessed
}

// Put writes rec unless the table already holds a result for the same
// object version that it must not replace, and returns the record it
// replaced (read atomically with the write, ReturnValues ALL_OLD).
//
// The rule (one item per object version, so versions never compete):
//   - no item yet: write;
//   - a PROCESSED result replaces a FAILED one (a success is never hidden
//     by a failure of an earlier attempt);
//   - a PROCESSED result replaces a PROCESSED one only when their rendition
//     fingerprints differ (lambda/rendition: other sizes, formats, quality
//     or imaging code), or the stored one has none (written before
//     fingerprints). Same version and same fingerprint is a duplicate: a
//     redelivered event of a processed version is counted once;
//   - a FAILED result never replaces a PROCESSED one (e.g. a retry that finds
//     the version deleted after it was processed);
//   - a FAILED result replaces a FAILED one only if its processedAt is
//     strictly later: a delayed older attempt never overwrites a newer one,
//     and an exact duplicate is a no-op;
//   - a DELETED record replaces any record but a DELETED one, and nothing
//     replaces a DELETED record: a late or redelivered create event of a
//     deleted version writes nothing, and a redelivered delete changes
//     nothing.
//
// Errors are classified with awserr (all transient for DynamoDB).
func (s *Store) Put(ctx context.Context, rec Record) (PutResult, error) {
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return PutResult{}, fmt.Errorf("metadata: marshal record %s: %w", rec.ImageID, err)
	}
	names := map[string]string{
		"#id":     contract.TableHashKey,
		"#status": contract.StatusIndexHashKey,
	}
	values := map[string]types.AttributeValue{
		":failed": &types.AttributeValueMemberS{Value: contract.StatusFailed},
	}
	var cond string
	switch rec.Status {
	case contract.StatusProcessed:
		names["#rendition"] = attrRendition
		values[":processed"] = &types.AttributeValueMemberS{Value: contract.StatusProcessed}
		values[":rendition"] = &types.AttributeValueMemberS{Value: rec.Rendition}
		cond = "attribute_not_exists(#id) OR #status = :failed OR " +
			"(#status = :processed AND (attribute_not_exists(#rendition) OR #rendition <> :rendition))"
	case contract.StatusFailed:
		names["#at"] = attrProcessedAt
		values[":at"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(rec.ProcessedAt, 10)}
		cond = "attribute_not_exists(#id) OR (#status = :failed AND #at < :at)"
	case contract.StatusDeleted:
		values[":processed"] = &types.AttributeValueMemberS{Value: contract.StatusProcessed}
		cond = "attribute_not_exists(#id) OR #status = :processed OR #status = :failed"
	default:
		return PutResult{}, fmt.Errorf("metadata: record %s has unknown status %q", rec.ImageID, rec.Status)
	}
	out, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return PutResult{}, nil
	}
	if err != nil {
		return PutResult{}, awserr.Classify(fmt.Sprintf("dynamodb PutItem %s/%s", s.table, rec.ImageID), err)
	}
	res := PutResult{Written: true, status: rec.Status}
	if len(out.Attributes) > 0 {
		var prev Record
		if err := attributevalue.UnmarshalMap(out.Attributes, &prev); err != nil {
			// The write happened; only the description of what it replaced
			// is unreadable. Report it without failing the write.
			return res, fmt.Errorf("metadata: record %s written, but the replaced item does not decode: %w", rec.ImageID, err)
		}
		res.Previous = &prev
	}
	return res, nil
}

// Versions returns every record of the object version imageID names (one,
// unless a deleted version left a record keyed by an event time too),
// oldest upload time first, with a strongly consistent read.
func (s *Store) Versions(ctx context.Context, imageID string) ([]Record, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": contract.TableHashKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: imageID}},
		ConsistentRead:            aws.Bool(true),
	}
	var recs []Record
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, awserr.Classify(fmt.Sprintf("dynamodb Query %s/%s", s.table, imageID), err)
		}
		for _, item := range out.Items {
			var r Record
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, fault.Transient(fmt.Errorf("metadata: decode record %s: %w", imageID, err))
			}
			recs = append(recs, r)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return recs, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

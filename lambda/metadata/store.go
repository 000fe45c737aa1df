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
)

// Put writes rec unless the table already holds a result for the same
// object version that it must not replace. It reports whether rec was
// written; (false, nil) means the stored result was kept, which is the
// expected outcome of a duplicated or late event and not an error.
//
// The rule (one item per object version, so versions never compete):
//   - no item yet: write;
//   - the first PROCESSED result wins: it replaces a FAILED one (a success
//     is never hidden by a failure of an earlier attempt), but no later
//     PROCESSED result replaces it, so a redelivered event of a processed
//     version is a duplicate and is counted once;
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
func (s *Store) Put(ctx context.Context, rec Record) (bool, error) {
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return false, fmt.Errorf("metadata: marshal record %s: %w", rec.ImageID, err)
	}
	names := map[string]string{
		"#id":     contract.TableHashKey,
		"#status": contract.StatusIndexHashKey,
	}
	values := map[string]types.AttributeValue{}
	var cond string
	switch rec.Status {
	case contract.StatusProcessed:
		values[":failed"] = &types.AttributeValueMemberS{Value: contract.StatusFailed}
		cond = "attribute_not_exists(#id) OR #status = :failed"
	case contract.StatusFailed:
		names["#at"] = attrProcessedAt
		values[":failed"] = &types.AttributeValueMemberS{Value: contract.StatusFailed}
		values[":at"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(rec.ProcessedAt, 10)}
		cond = "attribute_not_exists(#id) OR (#status = :failed AND #at < :at)"
	case contract.StatusDeleted:
		values[":processed"] = &types.AttributeValueMemberS{Value: contract.StatusProcessed}
		values[":failed"] = &types.AttributeValueMemberS{Value: contract.StatusFailed}
		cond = "attribute_not_exists(#id) OR #status = :processed OR #status = :failed"
	default:
		return false, fmt.Errorf("metadata: record %s has unknown status %q", rec.ImageID, rec.Status)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, awserr.Classify(fmt.Sprintf("dynamodb PutItem %s/%s", s.table, rec.ImageID), err)
	}
	return true, nil
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
				return nil, fmt.Errorf("metadata: decode record %s: %w", imageID, err)
			}
			recs = append(recs, r)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return recs, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

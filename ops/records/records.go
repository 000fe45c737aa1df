// Package records reads metadata records (lambda/metadata.Record) the way
// the imgpipe CLI needs them: the record of one object version (by its
// imageId), and every record of a status through the StatusIndex, page by
// page. It never writes: only the function writes records.
package records

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// QueryAPI is the DynamoDB call the package makes (dynamodb.Client).
type QueryAPI interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Store reads the records of one table.
type Store struct {
	api   QueryAPI
	table string
	// PageSize is the Limit of each Query page (0: DynamoDB's 1 MB pages).
	PageSize int32
}

// New returns a Store over table.
func New(api QueryAPI, table string) *Store { return &Store{api: api, table: table} }

// rank orders the records of one version when there are several (a known
// limit of the write rule can leave a second FAILED item keyed by event
// time): PROCESSED first, then FAILED, then any other status.
func rank(status string) int {
	switch status {
	case contract.StatusProcessed:
		return 0
	case contract.StatusFailed:
		return 1
	}
	return 2
}

// ForImage returns the best record of the object version with imageID, or
// nil when it has none.
func (s *Store) ForImage(ctx context.Context, imageID string) (*metadata.Record, error) {
	var best *metadata.Record
	err := s.query(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": contract.TableHashKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: imageID}},
	}, func(r metadata.Record) error {
		if best == nil || rank(r.Status) < rank(best.Status) || (rank(r.Status) == rank(best.Status) && r.ProcessedAt > best.ProcessedAt) {
			best = &r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return best, nil
}

// EachWithStatus calls fn with every record of status, newest upload first,
// through the status index.
func (s *Store) EachWithStatus(ctx context.Context, status string, fn func(metadata.Record) error) error {
	return s.query(ctx, s.byStatus(status, false), fn)
}

// CountWithStatus counts the records of status through the status index
// (Select COUNT, paginated).
func (s *Store) CountWithStatus(ctx context.Context, status string) (int, error) {
	in := s.byStatus(status, true)
	in.TableName = aws.String(s.table)
	if s.PageSize > 0 {
		in.Limit = aws.Int32(s.PageSize)
	}
	n := 0
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("count %s records in %s: %w", status, s.table, err)
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func (s *Store) byStatus(status string, count bool) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String(contract.StatusIndexName),
		KeyConditionExpression:    aws.String("#status = :status"),
		ExpressionAttributeNames:  map[string]string{"#status": contract.StatusIndexHashKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":status": &types.AttributeValueMemberS{Value: status}},
		ScanIndexForward:          aws.Bool(false),
	}
	if count {
		in.Select = types.SelectCount
	}
	return in
}

func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, fn func(metadata.Record) error) error {
	in.TableName = aws.String(s.table)
	if s.PageSize > 0 {
		in.Limit = aws.Int32(s.PageSize)
	}
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("query %s: %w", s.table, err)
		}
		for _, item := range out.Items {
			var r metadata.Record
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return fmt.Errorf("record %s in %s does not decode: %w", describe(item), s.table, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func describe(item map[string]types.AttributeValue) string {
	id, _ := item[contract.TableHashKey].(*types.AttributeValueMemberS)
	ts, _ := item[contract.TableRangeKey].(*types.AttributeValueMemberN)
	out := "?"
	if id != nil {
		out = id.Value
	}
	if ts != nil {
		if n, err := strconv.ParseInt(ts.Value, 10, 64); err == nil {
			out += "@" + strconv.FormatInt(n, 10)
		}
	}
	return out
}

// Package awstest holds in-memory fakes of the S3 and DynamoDB client
// operations the processor uses. It is test support, as net/http/httptest
// is for net/http: only _test.go files import it. The fakes emulate the
// service semantics the code relies on (versions,
// NoSuchKey/NoSuchVersion/NotFound, quoted ETags, conditional writes) and
// let a test inject errors.
package awstest

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// DynamoDB is an in-memory table keyed by contract.TableHashKey and
// contract.TableRangeKey.
type DynamoDB struct {
	Table string
	// FailPut, when set, is called before each PutItem; a non-nil error is
	// returned instead of writing.
	FailPut func(item map[string]types.AttributeValue) error
	// FailQuery, when set, is called before each Query; a non-nil error is
	// returned instead of the items.
	FailQuery func(in *dynamodb.QueryInput) error

	mu      sync.Mutex
	items   map[string]map[string]types.AttributeValue
	changes []Change
	puts    int
}

// NewDynamoDB returns an empty table named table.
func NewDynamoDB(table string) *DynamoDB {
	return &DynamoDB{Table: table, items: map[string]map[string]types.AttributeValue{}}
}

func keyOf(item map[string]types.AttributeValue) (string, error) {
	h, ok := item[contract.TableHashKey].(*types.AttributeValueMemberS)
	if !ok || h.Value == "" {
		return "", fmt.Errorf("ValidationException: missing or non-S hash key %s", contract.TableHashKey)
	}
	r, ok := item[contract.TableRangeKey].(*types.AttributeValueMemberN)
	if !ok {
		return "", fmt.Errorf("ValidationException: missing or non-N range key %s", contract.TableRangeKey)
	}
	return h.Value + "\x00" + r.Value, nil
}

// PutItem writes in.Item if in.ConditionExpression holds for the stored
// item with the same key, else returns ConditionalCheckFailedException.
// With ReturnValues ALL_OLD it returns the item it replaced.
func (d *DynamoDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.TableName) != d.Table {
		return nil, &types.ResourceNotFoundException{Message: aws.String("table not found: " + aws.ToString(in.TableName))}
	}
	if d.FailPut != nil {
		if err := d.FailPut(in.Item); err != nil {
			return nil, err
		}
	}
	k, err := keyOf(in.Item)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.puts++
	if err := placeholdersUsed(aws.ToString(in.ConditionExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
		return nil, err
	}
	if c := aws.ToString(in.ConditionExpression); c != "" {
		ok, err := evalCondition(c, in.ExpressionAttributeNames, in.ExpressionAttributeValues, d.items[k])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}
	}
	out := &dynamodb.PutItemOutput{}
	if in.ReturnValues == types.ReturnValueAllOld && d.items[k] != nil {
		out.Attributes = maps.Clone(d.items[k])
	}
	ch := Change{EventName: "INSERT", New: maps.Clone(in.Item)}
	if old, ok := d.items[k]; ok {
		ch.EventName, ch.Old = "MODIFY", old
	}
	d.changes = append(d.changes, ch)
	d.items[k] = maps.Clone(in.Item)
	return out, nil
}

// Items returns a copy of every stored item.
func (d *DynamoDB) Items() []map[string]types.AttributeValue {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]map[string]types.AttributeValue, 0, len(d.items))
	for _, it := range d.items {
		out = append(out, maps.Clone(it))
	}
	return out
}

// Puts counts the PutItem calls that reached the condition check.
func (d *DynamoDB) Puts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.puts
}

// Change is one write the table applied, as its stream would record it
// (NEW_AND_OLD_IMAGES): EventName is "INSERT" or "MODIFY"; Old is nil for
// an INSERT.
type Change struct {
	EventName string
	Old, New  map[string]types.AttributeValue
}

// Changes returns the writes applied so far, oldest first.
func (d *DynamoDB) Changes() []Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Change, len(d.changes))
	for i, c := range d.changes {
		out[i] = Change{EventName: c.EventName, Old: maps.Clone(c.Old), New: maps.Clone(c.New)}
	}
	return out
}

package awstest

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/imgpipe/imgpipe/internal/contract"
)

// keyCondition is the one key condition the fake answers: equality on the
// partition key of the table or of the status index.
var keyCondition = regexp.MustCompile(`^\s*(#\w+|\w+)\s*=\s*(:\w+)\s*$`)

// Query answers KeyConditionExpression "<hash key> = :v" on the table
// (contract.TableHashKey) or on contract.StatusIndexName (its hash key),
// items in range-key order (ScanIndexForward false: descending), Limit
// items per page with LastEvaluatedKey/ExclusiveStartKey, and Select COUNT.
// A FilterExpression or any other key condition is an error: the fake does
// not emulate it.
func (d *DynamoDB) Query(ctx context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.TableName) != d.Table {
		return nil, &types.ResourceNotFoundException{Message: aws.String("table not found: " + aws.ToString(in.TableName))}
	}
	if d.FailQuery != nil {
		if err := d.FailQuery(in); err != nil {
			return nil, err
		}
	}
	if in.FilterExpression != nil {
		return nil, fmt.Errorf("awstest: FilterExpression is not emulated")
	}
	m := keyCondition.FindStringSubmatch(aws.ToString(in.KeyConditionExpression))
	if m == nil {
		return nil, fmt.Errorf("awstest: key condition %q is not emulated (only <hash key> = :value)", aws.ToString(in.KeyConditionExpression))
	}
	attr := m[1]
	if strings.HasPrefix(attr, "#") {
		attr = in.ExpressionAttributeNames[attr]
	}
	want, ok := in.ExpressionAttributeValues[m[2]].(*types.AttributeValueMemberS)
	if !ok {
		return nil, fmt.Errorf("ValidationException: %s is not an S value", m[2])
	}
	hash := contract.TableHashKey
	if idx := aws.ToString(in.IndexName); idx != "" {
		if idx != contract.StatusIndexName {
			return nil, fmt.Errorf("ValidationException: the table has no index %s", idx)
		}
		hash = contract.StatusIndexHashKey
	}
	if attr != hash {
		return nil, fmt.Errorf("ValidationException: Query condition missed key schema element: %s", hash)
	}

	d.mu.Lock()
	var matched []map[string]types.AttributeValue
	for _, it := range d.items {
		if v, ok := it[hash].(*types.AttributeValueMemberS); ok && v.Value == want.Value {
			matched = append(matched, cloneItem(it))
		}
	}
	d.mu.Unlock()
	rangeOf := func(it map[string]types.AttributeValue) *big.Float {
		n, _ := it[contract.TableRangeKey].(*types.AttributeValueMemberN)
		f, _ := new(big.Float).SetString(n.Value)
		return f
	}
	sort.SliceStable(matched, func(i, j int) bool {
		c := rangeOf(matched[i]).Cmp(rangeOf(matched[j]))
		if c == 0 { // ties (same upload time on the index): by item key
			ki, _ := keyOf(matched[i])
			kj, _ := keyOf(matched[j])
			c = strings.Compare(ki, kj)
		}
		if in.ScanIndexForward != nil && !*in.ScanIndexForward {
			return c > 0
		}
		return c < 0
	})
	start := 0
	if in.ExclusiveStartKey != nil {
		after, err := keyOf(in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		for i, it := range matched {
			if k, _ := keyOf(it); k == after {
				start = i + 1
				break
			}
		}
	}
	matched = matched[start:]
	out := &dynamodb.QueryOutput{}
	if limit := int(aws.ToInt32(in.Limit)); limit > 0 && len(matched) > limit {
		matched = matched[:limit]
		last := matched[limit-1]
		out.LastEvaluatedKey = map[string]types.AttributeValue{
			contract.TableHashKey: last[contract.TableHashKey], contract.TableRangeKey: last[contract.TableRangeKey],
		}
		if hash != contract.TableHashKey {
			out.LastEvaluatedKey[hash] = last[hash]
		}
	}
	out.Count = int32(len(matched))
	out.ScannedCount = out.Count
	if in.Select != types.SelectCount {
		out.Items = matched
	}
	return out, nil
}

// DeleteItem removes the item with in.Key (a no-op when there is none), as
// an operator deleting a record behind the pipeline's back would.
func (d *DynamoDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.TableName) != d.Table {
		return nil, &types.ResourceNotFoundException{Message: aws.String("table not found: " + aws.ToString(in.TableName))}
	}
	k, err := keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.items, k)
	return &dynamodb.DeleteItemOutput{}, nil
}

func cloneItem(it map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		out[k] = v
	}
	return out
}

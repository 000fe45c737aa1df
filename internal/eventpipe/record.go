package eventpipe

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Change is one write to the table as its stream (NEW_AND_OLD_IMAGES)
// records it.
type Change struct {
	EventID        string
	EventName      string // INSERT, MODIFY or REMOVE
	SequenceNumber string
	Created        time.Time
	Keys, Old, New map[string]ddbtypes.AttributeValue
}

// RecordJSON renders c as Pipes hands a DynamoDB stream record to its
// filter and enrichment (the Lambda event-source record shape).
func RecordJSON(c Change, region, streamARN string) ([]byte, error) {
	keys, err := image(c.Keys)
	if err != nil {
		return nil, fmt.Errorf("eventpipe: stream record %s keys: %w", c.EventID, err)
	}
	old, err := image(c.Old)
	if err != nil {
		return nil, fmt.Errorf("eventpipe: stream record %s old image: %w", c.EventID, err)
	}
	nw, err := image(c.New)
	if err != nil {
		return nil, fmt.Errorf("eventpipe: stream record %s new image: %w", c.EventID, err)
	}
	return json.Marshal(events.DynamoDBEventRecord{
		AWSRegion:      region,
		EventID:        c.EventID,
		EventName:      c.EventName,
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: streamARN,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: c.Created},
			Keys:                        keys,
			NewImage:                    nw,
			OldImage:                    old,
			SequenceNumber:              c.SequenceNumber,
			StreamViewType:              "NEW_AND_OLD_IMAGES",
		},
	})
}

// FromStream converts a record read with the DynamoDB Streams API.
func FromStream(r streamtypes.Record) (Change, error) {
	if r.Dynamodb == nil {
		return Change{}, fmt.Errorf("eventpipe: stream record %s has no dynamodb part", deref(r.EventID))
	}
	c := Change{EventID: deref(r.EventID), EventName: string(r.EventName), SequenceNumber: deref(r.Dynamodb.SequenceNumber)}
	if r.Dynamodb.ApproximateCreationDateTime != nil {
		c.Created = *r.Dynamodb.ApproximateCreationDateTime
	}
	var err error
	if c.Keys, err = fromStreamImage(r.Dynamodb.Keys); err != nil {
		return Change{}, fmt.Errorf("eventpipe: stream record %s keys: %w", c.EventID, err)
	}
	if c.Old, err = fromStreamImage(r.Dynamodb.OldImage); err != nil {
		return Change{}, fmt.Errorf("eventpipe: stream record %s old image: %w", c.EventID, err)
	}
	if c.New, err = fromStreamImage(r.Dynamodb.NewImage); err != nil {
		return Change{}, fmt.Errorf("eventpipe: stream record %s new image: %w", c.EventID, err)
	}
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func image(item map[string]ddbtypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if item == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		a, err := lambdaAV(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func lambdaAV(v ddbtypes.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch t := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return events.NewStringAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *ddbtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(t.Value), nil
	case *ddbtypes.AttributeValueMemberM:
		m, err := image(t.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		return events.NewMapAttribute(m), nil
	case *ddbtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(t.Value))
		for i, e := range t.Value {
			a, err := lambdaAV(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, fmt.Errorf("item %d: %w", i, err)
			}
			l = append(l, a)
		}
		return events.NewListAttribute(l), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}

func fromStreamImage(item map[string]streamtypes.AttributeValue) (map[string]ddbtypes.AttributeValue, error) {
	if item == nil {
		return nil, nil
	}
	out := make(map[string]ddbtypes.AttributeValue, len(item))
	for k, v := range item {
		a, err := fromStreamAV(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func fromStreamAV(v streamtypes.AttributeValue) (ddbtypes.AttributeValue, error) {
	switch t := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return &ddbtypes.AttributeValueMemberS{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberN:
		return &ddbtypes.AttributeValueMemberN{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberBOOL:
		return &ddbtypes.AttributeValueMemberBOOL{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberNULL:
		return &ddbtypes.AttributeValueMemberNULL{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberB:
		return &ddbtypes.AttributeValueMemberB{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberSS:
		return &ddbtypes.AttributeValueMemberSS{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberNS:
		return &ddbtypes.AttributeValueMemberNS{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberBS:
		return &ddbtypes.AttributeValueMemberBS{Value: t.Value}, nil
	case *streamtypes.AttributeValueMemberM:
		m, err := fromStreamImage(t.Value)
		if err != nil {
			return nil, err
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}, nil
	case *streamtypes.AttributeValueMemberL:
		l := make([]ddbtypes.AttributeValue, 0, len(t.Value))
		for i, e := range t.Value {
			a, err := fromStreamAV(e)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			l = append(l, a)
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unsupported stream attribute value %T", v)
}

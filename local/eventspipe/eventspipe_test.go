package eventspipe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
)

const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1"

// stream is one shard of stream records in memory. Iterators are
// positions; like kumo's, each works once when kumoLike, and
// AFTER_SEQUENCE_NUMBER starts from the shard's beginning (kumo ignores the
// sequence number).
type stream struct {
	mu       sync.Mutex
	recs     []streamtypes.Record
	kumoLike bool
	used     map[string]bool
	issued   int // iterators handed out (kumo's are unique)
	failNext int // GetRecords calls to fail, as a consumed iterator does
}

// iterator is the iterator at position pos.
func (s *stream) iterator(pos int) *string {
	if !s.kumoLike {
		return aws.String(fmt.Sprint(pos))
	}
	s.issued++
	return aws.String(fmt.Sprintf("%d %d", pos, s.issued))
}

func (s *stream) add(r streamtypes.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.EventID = aws.String(fmt.Sprintf("e%d", len(s.recs)))
	r.Dynamodb.SequenceNumber = aws.String(fmt.Sprint(len(s.recs)))
	s.recs = append(s.recs, r)
}

func (s *stream) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	if aws.ToString(in.StreamArn) != arn {
		return nil, &streamtypes.ResourceNotFoundException{Message: aws.String("no stream")}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &streamtypes.StreamDescription{
		StreamArn: in.StreamArn, Shards: []streamtypes.Shard{{ShardId: aws.String("shard-0")}},
	}}, nil
}

func (s *stream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch in.ShardIteratorType {
	case streamtypes.ShardIteratorTypeTrimHorizon:
		return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: s.iterator(0)}, nil
	case streamtypes.ShardIteratorTypeAfterSequenceNumber:
		if s.kumoLike {
			return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: s.iterator(0)}, nil
		}
		var seq int
		if _, err := fmt.Sscan(aws.ToString(in.SequenceNumber), &seq); err != nil {
			return nil, fmt.Errorf("sequence number %q: %w", aws.ToString(in.SequenceNumber), err)
		}
		return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: s.iterator(seq + 1)}, nil
	}
	return nil, fmt.Errorf("want TRIM_HORIZON or AFTER_SEQUENCE_NUMBER, got %s", in.ShardIteratorType)
}

func (s *stream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return nil, &streamtypes.ExpiredIteratorException{Message: aws.String("invalid shard iterator")}
	}
	if s.kumoLike {
		if s.used[aws.ToString(in.ShardIterator)] {
			return nil, &streamtypes.ExpiredIteratorException{Message: aws.String("invalid shard iterator")}
		}
		if s.used == nil {
			s.used = map[string]bool{}
		}
		s.used[aws.ToString(in.ShardIterator)] = true
	}
	var pos int
	if _, err := fmt.Sscan(aws.ToString(in.ShardIterator), &pos); err != nil {
		return nil, fmt.Errorf("iterator %q: %w", aws.ToString(in.ShardIterator), err)
	}
	end := min(pos+int(aws.ToInt32(in.Limit)), len(s.recs))
	return &dynamodbstreams.GetRecordsOutput{Records: append([]streamtypes.Record(nil), s.recs[pos:end]...), NextShardIterator: s.iterator(end)}, nil
}

// bus records what was put on it; it refuses the first failures puts.
type bus struct {
	mu       sync.Mutex
	failures int
	entries  []ebtypes.PutEventsRequestEntry
	calls    int
}

func (b *bus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if len(in.Entries) > 10 {
		return nil, errors.New("more than 10 entries")
	}
	if b.failures > 0 {
		b.failures--
		return &eventbridge.PutEventsOutput{FailedEntryCount: 1}, nil
	}
	b.entries = append(b.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{}, nil
}

func (b *bus) got() []ebtypes.PutEventsRequestEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]ebtypes.PutEventsRequestEntry(nil), b.entries...)
}

func s(v string) streamtypes.AttributeValue { return &streamtypes.AttributeValueMemberS{Value: v} }
func n(v string) streamtypes.AttributeValue { return &streamtypes.AttributeValueMemberN{Value: v} }

func write(eventName, key, status string, old map[string]streamtypes.AttributeValue) streamtypes.Record {
	img := map[string]streamtypes.AttributeValue{
		contract.TableHashKey: s("id-" + key), contract.TableRangeKey: n("1764576000000"),
		contract.StatusIndexHashKey: s(status), "bucket": s("b"), "key": s(key), "size": n("5"),
		"processedAt": n("1764576000000"), "durationMs": n("1"),
	}
	return streamtypes.Record{EventName: streamtypes.OperationType(eventName), Dynamodb: &streamtypes.StreamRecord{
		Keys:     map[string]streamtypes.AttributeValue{contract.TableHashKey: img[contract.TableHashKey]},
		NewImage: img, OldImage: old,
	}}
}

func start(t *testing.T, st *stream, b *bus) *Pipe {
	t.Helper()
	p, err := Start(context.Background(), Config{Streams: st, Events: b, StreamARN: arn, Bus: "imgpipe-local-events", Region: "us-east-1", Poll: time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func TestPipeAnnouncesEachOutcomeOnce(t *testing.T) {
	st, b := &stream{}, &bus{}
	st.add(write("INSERT", "uploads/a.png", contract.StatusProcessed, nil))
	st.add(write("MODIFY", "uploads/b.png", contract.StatusFailed, write("INSERT", "uploads/b.png", contract.StatusFailed, nil).Dynamodb.NewImage))
	st.add(write("MODIFY", "uploads/a.png", contract.StatusDeleted, write("INSERT", "uploads/a.png", contract.StatusProcessed, nil).Dynamodb.NewImage))
	p := start(t, st, b)
	require.NoError(t, p.Sync(context.Background()))

	got := b.got()
	require.Len(t, got, 2, "the FAILED rewrite is no outcome")
	for i, want := range []struct{ detailType, key string }{
		{contract.EventDetailTypeProcessed, "uploads/a.png"},
		{contract.EventDetailTypeDeleted, "uploads/a.png"},
	} {
		assert.Equal(t, want.detailType, aws.ToString(got[i].DetailType))
		assert.Equal(t, contract.EventSource, aws.ToString(got[i].Source))
		assert.Equal(t, "imgpipe-local-events", aws.ToString(got[i].EventBusName))
		var d map[string]any
		require.NoError(t, json.Unmarshal([]byte(aws.ToString(got[i].Detail)), &d))
		assert.Equal(t, want.key, d["key"])
	}

	// Records written later are read from where the pipe left off.
	st.add(write("INSERT", "uploads/c.png", contract.StatusFailed, nil))
	require.NoError(t, p.Sync(context.Background()))
	require.Len(t, b.got(), 3)
	assert.Equal(t, contract.EventDetailTypeFailed, aws.ToString(b.got()[2].DetailType))
	assert.Equal(t, 3, p.Delivered())
	assert.NoError(t, p.Err())
}

// A failed read (an iterator kumo forgot, or one a retried request
// consumed) is read again after the checkpoint: no outcome is announced
// twice or lost, whether the stream honours AFTER_SEQUENCE_NUMBER or, as
// kumo, starts from the shard's beginning.
func TestPipeResumesAfterItsCheckpoint(t *testing.T) {
	for _, kumoLike := range []bool{false, true} {
		t.Run(fmt.Sprintf("kumoLike=%v", kumoLike), func(t *testing.T) {
			st, b := &stream{kumoLike: kumoLike}, &bus{}
			st.add(write("INSERT", "uploads/a.png", contract.StatusProcessed, nil))
			st.add(write("INSERT", "uploads/b.png", contract.StatusFailed, nil))
			p := start(t, st, b)
			require.NoError(t, p.Sync(context.Background()))
			require.Len(t, b.got(), 2)

			st.mu.Lock()
			st.failNext = 2
			st.mu.Unlock()
			st.add(write("MODIFY", "uploads/a.png", contract.StatusDeleted, write("INSERT", "uploads/a.png", contract.StatusProcessed, nil).Dynamodb.NewImage))
			require.NoError(t, p.Sync(context.Background()))
			got := b.got()
			require.Len(t, got, 3, "each outcome once")
			assert.Equal(t, contract.EventDetailTypeDeleted, aws.ToString(got[2].DetailType))
			assert.Equal(t, 3, p.Delivered())
			assert.NoError(t, p.Err(), "a failed read is no delivery failure")
		})
	}
}

func TestPipeRetriesABatchTheBusRefuses(t *testing.T) {
	st, b := &stream{}, &bus{failures: 2}
	st.add(write("INSERT", "uploads/r.png", contract.StatusProcessed, nil))
	p := start(t, st, b)
	require.NoError(t, p.Sync(context.Background()))
	assert.Len(t, b.got(), 1, "delivered once, after the refusals")
	st.add(write("INSERT", "uploads/s.png", contract.StatusProcessed, nil))
	require.NoError(t, p.Sync(context.Background()))
	assert.Len(t, b.got(), 2, "the refused batch is not delivered again")
	assert.Error(t, p.Err(), "the refusals are reported")
}

func TestPipeBatchesAtMostTenRecords(t *testing.T) {
	st, b := &stream{}, &bus{}
	for i := range 25 {
		st.add(write("INSERT", fmt.Sprintf("uploads/%02d.png", i), contract.StatusProcessed, nil))
	}
	p := start(t, st, b)
	require.NoError(t, p.Sync(context.Background()))
	assert.Len(t, b.got(), 25)
	assert.Equal(t, 3, b.calls, "batches of %d", contract.PipeBatchSize)
}

func TestPipeNeedsItsStream(t *testing.T) {
	_, err := Start(context.Background(), Config{Streams: &stream{}, Events: &bus{}, StreamARN: "arn:other", Bus: "b"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "arn:other")
}

func TestSyncAfterCloseFails(t *testing.T) {
	p, err := Start(context.Background(), Config{Streams: &stream{}, Events: &bus{}, StreamARN: arn, Bus: "b", Poll: time.Millisecond})
	require.NoError(t, err)
	p.Close()
	assert.Error(t, p.Sync(context.Background()))
}

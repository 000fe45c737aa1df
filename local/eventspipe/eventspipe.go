// Package eventspipe runs the outcome-events pipe in the local stack, where
// kumo has DynamoDB streams and EventBridge but no EventBridge Pipes: it
// polls the metadata table's stream from its oldest record, runs each
// batch through internal/eventpipe (the contract's filter patterns, the
// enrichment code the pipe's Lambda runs, the target parameters) and puts
// the events on the bus, retrying a batch the bus refuses, as the pipe
// does. Like the pipe, it keeps a checkpoint per shard (the sequence number
// of the last record delivered): when a read fails (an iterator expired, or
// consumed by a retried request: kumo forgets an iterator once read), it
// reads again after the checkpoint and never announces a record twice.
// Everything stops with Close.
package eventspipe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/eventpipe"
)

// StreamsAPI is the part of the DynamoDB Streams client the pipe uses.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// EventsAPI is the part of the EventBridge client the pipe uses.
type EventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Config configures a Pipe.
type Config struct {
	Streams   StreamsAPI
	Events    EventsAPI
	StreamARN string // the table's stream (DescribeTable's LatestStreamArn)
	Bus       string // event bus name
	Region    string
	// Poll is the pause after a read that found nothing; Pipes polls a
	// shard four times a second.
	Poll   time.Duration
	Logger *slog.Logger
}

// Pipe is a running emulated pipe.
type Pipe struct {
	cfg    Config
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	idle      *sync.Cond
	rounds    int // reads that found nothing, so far
	delivered int // events put on the bus
	err       error
}

// Start starts polling the stream. It fails at once when the stream does
// not exist.
func Start(ctx context.Context, cfg Config) (*Pipe, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := shards(ctx, cfg.Streams, cfg.StreamARN); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &Pipe{cfg: cfg, cancel: cancel, done: make(chan struct{})}
	p.idle = sync.NewCond(&p.mu)
	go p.run(ctx)
	return p, nil
}

func shards(ctx context.Context, api StreamsAPI, arn string) ([]streamtypes.Shard, error) {
	out, err := api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("eventspipe: describe stream %s: %w", arn, err)
	}
	if out.StreamDescription == nil {
		return nil, fmt.Errorf("eventspipe: stream %s has no description", arn)
	}
	return out.StreamDescription.Shards, nil
}

// run reads every shard in turn, batch by batch, until Close.
func (p *Pipe) run(ctx context.Context) {
	defer close(p.done)
	defer func() {
		p.mu.Lock()
		p.rounds = -1 // stopped: wake every Sync
		p.idle.Broadcast()
		p.mu.Unlock()
	}()
	sh := shardState{iterators: map[string]*string{}, checkpoints: map[string]*big.Int{}}
	for ctx.Err() == nil {
		found, err := p.round(ctx, sh)
		if err != nil && ctx.Err() == nil {
			p.fail(err)
		}
		if found > 0 && err == nil {
			continue // more may be waiting
		}
		if err == nil {
			// A read that found nothing: every record so far is delivered.
			p.mu.Lock()
			if p.rounds >= 0 {
				p.rounds++
			}
			p.idle.Broadcast()
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.cfg.Poll):
		}
	}
}

// shardState is where the pipe is in each shard: the next iterator, and
// the checkpoint (the sequence number of the last record delivered).
type shardState struct {
	iterators   map[string]*string
	checkpoints map[string]*big.Int
}

// readError is a failed read of the stream (not of a batch): read again
// from the checkpoint.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// round reads one batch from each shard and delivers it; it returns how
// many records it read.
func (p *Pipe) round(ctx context.Context, st shardState) (int, error) {
	ss, err := shards(ctx, p.cfg.Streams, p.cfg.StreamARN)
	if err != nil {
		return 0, readError{err}
	}
	read := 0
	for _, sh := range ss {
		id := aws.ToString(sh.ShardId)
		it, ok := st.iterators[id]
		if !ok {
			in := &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(p.cfg.StreamARN), ShardId: sh.ShardId,
				ShardIteratorType: streamtypes.ShardIteratorType(contract.PipeStartingPosition),
			}
			if cp := st.checkpoints[id]; cp != nil {
				in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(cp.String())
			}
			out, err := p.cfg.Streams.GetShardIterator(ctx, in)
			if err != nil {
				return read, readError{fmt.Errorf("eventspipe: shard iterator of %s: %w", id, err)}
			}
			it = out.ShardIterator
		}
		if it == nil {
			continue // a closed shard read to its end
		}
		out, err := p.cfg.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(contract.PipeBatchSize)})
		if err != nil {
			delete(st.iterators, id) // read again after the checkpoint, from a fresh iterator
			return read, readError{fmt.Errorf("eventspipe: read shard %s: %w", id, err)}
		}
		// kumo answers AFTER_SEQUENCE_NUMBER from the shard's start: what
		// the checkpoint covers was delivered already.
		recs, last, err := after(out.Records, st.checkpoints[id])
		if err != nil {
			return read, err
		}
		if len(recs) > 0 {
			if err := p.deliver(ctx, recs); err != nil {
				// Not advanced: the same records are read again after the
				// checkpoint, as Pipes retries a batch.
				delete(st.iterators, id)
				return read, err
			}
			read += len(recs)
		}
		if last != nil {
			st.checkpoints[id] = last
		}
		st.iterators[id] = out.NextShardIterator
	}
	return read, nil
}

// after returns the records newer than the checkpoint cp (nil: none
// delivered yet) and the newest sequence number among them (nil when
// there is none).
func after(recs []streamtypes.Record, cp *big.Int) ([]streamtypes.Record, *big.Int, error) {
	var out []streamtypes.Record
	var last *big.Int
	for _, r := range recs {
		if r.Dynamodb == nil || r.Dynamodb.SequenceNumber == nil {
			return nil, nil, fmt.Errorf("eventspipe: stream record %s has no sequence number", aws.ToString(r.EventID))
		}
		seq, ok := new(big.Int).SetString(aws.ToString(r.Dynamodb.SequenceNumber), 10)
		if !ok {
			return nil, nil, fmt.Errorf("eventspipe: stream record %s: sequence number %q is not a number", aws.ToString(r.EventID), aws.ToString(r.Dynamodb.SequenceNumber))
		}
		if cp != nil && seq.Cmp(cp) <= 0 {
			continue
		}
		out = append(out, r)
		if last == nil || seq.Cmp(last) > 0 {
			last = seq
		}
	}
	return out, last, nil
}

// deliver runs one batch through the pipe and puts its events on the bus.
func (p *Pipe) deliver(ctx context.Context, recs []streamtypes.Record) error {
	batch := make([][]byte, 0, len(recs))
	for _, r := range recs {
		c, err := eventpipe.FromStream(r)
		if err != nil {
			return err
		}
		raw, err := eventpipe.RecordJSON(c, p.cfg.Region, p.cfg.StreamARN)
		if err != nil {
			return err
		}
		batch = append(batch, raw)
	}
	entries, err := eventpipe.Entries(batch)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	in := &eventbridge.PutEventsInput{}
	for _, e := range entries {
		in.Entries = append(in.Entries, ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(p.cfg.Bus), Source: aws.String(e.Source),
			DetailType: aws.String(e.DetailType), Detail: aws.String(e.Detail),
		})
	}
	out, err := p.cfg.Events.PutEvents(ctx, in)
	if err != nil {
		return fmt.Errorf("eventspipe: put %d events on %s: %w", len(in.Entries), p.cfg.Bus, err)
	}
	if out.FailedEntryCount > 0 {
		return fmt.Errorf("eventspipe: the bus %s refused %d of %d events", p.cfg.Bus, out.FailedEntryCount, len(in.Entries))
	}
	p.mu.Lock()
	p.delivered += len(entries)
	p.mu.Unlock()
	p.cfg.Logger.Info("outcome events put on the bus", "bus", p.cfg.Bus, "events", len(entries), "streamRecords", len(recs))
	return nil
}

func (p *Pipe) fail(err error) {
	if re := (readError{}); errors.As(err, &re) {
		// Not a delivery failure: nothing is lost or repeated.
		p.cfg.Logger.Warn("events pipe: stream read failed, reading again after the checkpoint", "error", err.Error())
		return
	}
	p.cfg.Logger.Error("events pipe: batch not delivered, retrying", "error", err.Error())
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

// Sync waits until the pipe has delivered every stream record written
// before the call: two reads that found nothing have completed since.
func (p *Pipe) Sync(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.idle.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.rounds
	for p.rounds >= 0 && p.rounds < start+2 && ctx.Err() == nil {
		p.idle.Wait()
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("eventspipe: sync: %w", ctx.Err())
	case p.rounds < 0:
		return errors.New("eventspipe: sync: the pipe is stopped")
	}
	return nil
}

// Delivered is how many events the pipe has put on the bus.
func (p *Pipe) Delivered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delivered
}

// Err is the first delivery error (a batch the enrichment or the bus
// refused), or nil. Failed reads of the stream are logged only.
func (p *Pipe) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Close stops the pipe and waits for its goroutine.
func (p *Pipe) Close() {
	p.cancel()
	<-p.done
}

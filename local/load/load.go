// Package load is `make load`: it uploads N generated images of varied
// size and format to a running pipeline at a target rate, waits until each
// has its metadata record (or a timeout), and accounts for every upload:
// a record (exactly one, with its thumbnails), a message in the
// dead-letter queue, or missing. It is written against the AWS SDK and
// the pipeline's names only (a verify.Target and the dead-letter queue),
// so the same run serves the local stack (local/cmd/load) and the
// end-to-end suite. Every loop is bounded in count and time.
package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/ops/redrive"
)

// HeadAPI is how the run checks that thumbnails exist (s3.Client).
type HeadAPI interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// QueueAPI is how the run reads the dead-letter queue (sqs.Client).
type QueueAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Options of a run.
type Options struct {
	N         int     // uploads
	Rate      float64 // uploads per second; 0: as fast as Uploaders go
	Uploaders int     // uploads in flight at once; default 8
	Seed      uint64  // of the generated images; the same seed, the same images
	// Prefix is where under the uploads prefix the run's images go
	// ("load/<run>/").
	Prefix string
	// IdleTimeout ends the wait when no upload got its record for this
	// long; default 2 minutes. Timeout bounds the whole wait; default 30
	// minutes.
	IdleTimeout time.Duration
	Timeout     time.Duration
	Interval    time.Duration // between polls of the table; default 1 s
	// Progress, when set, is told how far each phase is.
	Progress func(phase string, done, total int)

	Heads    HeadAPI
	DLQ      QueueAPI
	DLQURL   string
	Sleep    func(context.Context, time.Duration) // default: a timer (tests replace it)
	Now      func() time.Time                     // default time.Now
	generate func(seed uint64, i int) (Image, error)
}

func (o Options) withDefaults() Options {
	if o.Uploaders <= 0 {
		o.Uploaders = 8
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.generate == nil {
		o.generate = Generate
	}
	return o
}

// Result is what a run found. Every upload is in exactly one of Records
// (keys with a record of their version), DeadLettered (keys whose event is
// in the dead-letter queue, without a record) and Missing.
type Result struct {
	Uploaded     int
	UploadErrors []string
	// Records: uploads with a record; Duplicates: records beyond the first
	// of the same version; Failed: uploads whose record is FAILED (the
	// generated images are all valid: any is a bug).
	Records, Duplicates, Failed int
	// ThumbnailsMissing lists thumbnails of PROCESSED records that are not
	// in the bucket.
	ThumbnailsMissing []string
	DeadLettered      []string // keys
	DLQMessages       int      // messages in the dead-letter queue at the end (any key)
	Missing           []string // keys with neither a record nor a dead-letter message
	// Latencies from the end of each upload to its record's processedAt.
	Latencies []time.Duration
	// Elapsed is from the first upload to the last record seen.
	Elapsed    time.Duration
	UploadTime time.Duration
	TimedOut   bool // the wait ended on IdleTimeout or Timeout
}

type upload struct {
	obj  verify.Object
	done time.Time
	err  error
}

// Run uploads o.N generated images to tg and accounts for each.
func Run(ctx context.Context, tg verify.Target, o Options) (Result, error) {
	o = o.withDefaults()
	switch {
	case o.N <= 0:
		return Result{}, fmt.Errorf("load: N must be at least 1 (got %d)", o.N)
	case o.Rate < 0:
		return Result{}, fmt.Errorf("load: rate must be 0 (unpaced) or positive (got %g)", o.Rate)
	case o.Heads == nil:
		return Result{}, errors.New("load: Options.Heads is required (the thumbnail check)")
	}
	start := o.Now()
	ups := uploadAll(ctx, tg, o)
	res := Result{UploadTime: o.Now().Sub(start)}
	var objs []verify.Object
	at := map[string]time.Time{}
	for _, u := range ups {
		if u.err != nil {
			res.UploadErrors = append(res.UploadErrors, u.err.Error())
			continue
		}
		objs = append(objs, u.obj)
		at[u.obj.Key] = u.done
	}
	res.Uploaded = len(objs)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}

	found, last, err := wait(ctx, tg, o, objs, &res)
	if err != nil {
		return res, err
	}
	if !last.IsZero() {
		res.Elapsed = last.Sub(start)
	}
	var missing []verify.Object
	for _, obj := range objs {
		recs := found[obj.Key]
		if len(recs) == 0 {
			missing = append(missing, obj)
			continue
		}
		res.Records++
		res.Duplicates += len(recs) - 1
		rec := recs[0]
		if rec.Status != contract.StatusProcessed {
			res.Failed++
			continue
		}
		res.Latencies = append(res.Latencies, time.UnixMilli(rec.ProcessedAt).Sub(at[obj.Key]))
	}
	res.ThumbnailsMissing, err = missingThumbnails(ctx, tg, o, found)
	if err != nil {
		return res, err
	}
	dead, n, err := deadLettered(ctx, o)
	if err != nil {
		return res, err
	}
	res.DLQMessages = n
	for _, obj := range missing {
		if dead[obj.Key] {
			res.DeadLettered = append(res.DeadLettered, obj.Key)
		} else {
			res.Missing = append(res.Missing, obj.Key)
		}
	}
	return res, nil
}

// uploadAll uploads the images, paced at o.Rate, o.Uploaders at a time.
func uploadAll(ctx context.Context, tg verify.Target, o Options) []upload {
	ups := make([]upload, o.N)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(o.Uploaders, o.N) {
		wg.Go(func() {
			for i := range next {
				img, err := o.generate(o.Seed, i)
				if err == nil {
					key := tg.UploadsPrefix + o.Prefix + img.Name
					var obj verify.Object
					obj, err = verify.UploadAs(ctx, tg, key, img.ContentType, img.Body)
					ups[i] = upload{obj: obj, done: o.Now(), err: err}
				} else {
					ups[i] = upload{err: err}
				}
				if o.Progress != nil {
					mu.Lock()
					done++
					o.Progress("upload", done, o.N)
					mu.Unlock()
				}
			}
		})
	}
	t0 := o.Now()
	for i := range o.N {
		if o.Rate > 0 {
			due := t0.Add(time.Duration(float64(i) / o.Rate * float64(time.Second)))
			if d := due.Sub(o.Now()); d > 0 {
				o.Sleep(ctx, d)
			}
		}
		if ctx.Err() != nil {
			for j := i; j < o.N; j++ {
				ups[j] = upload{err: fmt.Errorf("upload %d not sent: %w", j, ctx.Err())}
			}
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return ups
}

// wait polls the table until every object has a record of its version,
// nothing new came for o.IdleTimeout, or o.Timeout passed. It returns the
// records of each object's version, newest first, and when the last new
// one was seen.
func wait(ctx context.Context, tg verify.Target, o Options, objs []verify.Object, res *Result) (map[string][]metadata.Record, time.Time, error) {
	found := map[string][]metadata.Record{}
	var last time.Time
	began, progressAt := o.Now(), o.Now()
	for {
		by, err := verify.RecordsByKey(ctx, tg)
		if err != nil && ctx.Err() != nil {
			return found, last, ctx.Err()
		}
		if err == nil {
			have := 0
			for _, obj := range objs {
				var mine []metadata.Record
				for _, rec := range by[obj.Key] {
					if obj.Matches(rec) {
						mine = append(mine, rec)
					}
				}
				if len(mine) > 0 {
					have++
				}
				if len(mine) > len(found[obj.Key]) {
					progressAt = o.Now()
					for _, rec := range mine {
						if t := time.UnixMilli(rec.ProcessedAt); t.After(last) {
							last = t
						}
					}
				}
				found[obj.Key] = mine
			}
			if o.Progress != nil {
				o.Progress("records", have, len(objs))
			}
			if have == len(objs) {
				return found, last, nil
			}
		}
		now := o.Now()
		if now.Sub(progressAt) >= o.IdleTimeout || now.Sub(began) >= o.Timeout {
			res.TimedOut = true
			if err != nil {
				return found, last, fmt.Errorf("load: read the records: %w", err)
			}
			return found, last, nil
		}
		o.Sleep(ctx, o.Interval)
		if ctx.Err() != nil {
			return found, last, ctx.Err()
		}
	}
}

// missingThumbnails heads every thumbnail of every PROCESSED record.
func missingThumbnails(ctx context.Context, tg verify.Target, o Options, found map[string][]metadata.Record) ([]string, error) {
	var keys []string
	for k, recs := range found {
		if len(recs) > 0 && recs[0].Status == contract.StatusProcessed {
			for _, size := range tg.Sizes {
				keys = append(keys, tg.ThumbnailKey(k, size))
			}
		}
	}
	sort.Strings(keys)
	var mu sync.Mutex
	var missing []string
	var firstErr error
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(o.Uploaders, max(len(keys), 1)) {
		wg.Go(func() {
			for k := range next {
				_, err := o.Heads.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(k)})
				if err == nil {
					continue
				}
				mu.Lock()
				var nf interface{ ErrorCode() string }
				if errors.As(err, &nf) && (nf.ErrorCode() == "NotFound" || nf.ErrorCode() == "NoSuchKey") {
					missing = append(missing, k)
				} else if firstErr == nil {
					firstErr = fmt.Errorf("load: head thumbnail %s: %w", k, err)
				}
				mu.Unlock()
			}
		})
	}
	for _, k := range keys {
		next <- k
	}
	close(next)
	wg.Wait()
	slices.Sort(missing)
	return missing, firstErr
}

// deadLettered reads (and leaves) every message of the dead-letter queue,
// and returns the object keys their events name and how many there are.
// Each message is hidden while it is read, then made visible again.
func deadLettered(ctx context.Context, o Options) (map[string]bool, int, error) {
	keys := map[string]bool{}
	if o.DLQ == nil || o.DLQURL == "" {
		return keys, 0, nil
	}
	seen := map[string]bool{}
	var receipts []string
	defer func() {
		for _, r := range receipts {
			_, _ = o.DLQ.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(o.DLQURL), ReceiptHandle: aws.String(r), VisibilityTimeout: 0,
			}) // best effort: otherwise visible again after 60 s
		}
	}()
	const maxReceives = 10_000 // at most 100,000 messages
	for range maxReceives {
		out, err := o.DLQ.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(o.DLQURL), MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0,
		})
		if err != nil {
			return keys, len(seen), fmt.Errorf("load: read the dead-letter queue: %w", err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			receipts = append(receipts, aws.ToString(m.ReceiptHandle))
			id := aws.ToString(m.MessageId)
			if seen[id] {
				continue
			}
			seen[id] = true
			if msg, err := redrive.Parse(id, aws.ToString(m.Body)); err == nil {
				for _, k := range msg.Keys {
					keys[k] = true
				}
			}
		}
	}
	return keys, len(seen), nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

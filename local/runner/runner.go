// Package runner uploads a folder of files to the pipeline's uploads
// prefix, paced so the local Lambda queue is never overrun, waits until
// every upload has its metadata record (or reports which never got one),
// and fetches the thumbnails back.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Input is one file to upload.
type Input struct {
	Path string // on disk
	Name string // path relative to the folder, slash-separated
	Key  string // uploads prefix + Name
	Size int64
}

// Collect lists the regular files under dir (recursively, skipping
// dot-files and dot-directories), sorted by name, with their keys under
// uploadsPrefix.
func Collect(dir, uploadsPrefix string) ([]Input, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("images folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("images folder %s is not a directory", dir)
	}
	var out []Input
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		out = append(out, Input{Path: path, Name: name, Key: uploadsPrefix + name, Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("images folder %s holds no files", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Result is what happened to one input.
type Result struct {
	Input
	Object    verify.Object     // the uploaded version
	UploadErr string            // set when the upload itself failed
	Record    *metadata.Record  // nil when no record arrived
	Latency   time.Duration     // upload start to record seen (poll resolution)
	Files     map[string][]byte // fetched thumbnails (every format the record lists) by S3 key
	FetchErr  string            // set when a listed thumbnail could not be fetched
}

// Progress is reported after every poll.
type Progress struct {
	Uploaded, Done, Total, Failed int
	Elapsed                       time.Duration
}

// Options tune Run.
type Options struct {
	// Window bounds uploads awaiting their record. kumo queues at most
	// 1024 async events per function and drops the rest silently, and
	// delivers one at a time, so the runner keeps far below that.
	Window int
	// Parallel bounds concurrent PutObject calls.
	Parallel int
	// IdleTimeout ends the wait when no new record arrived for this long.
	IdleTimeout time.Duration
	// Interval between polls of the table.
	Interval time.Duration
	// Progress, when not nil, is called after each poll.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = 256
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	return o
}

// Run uploads inputs and waits for their records. It returns one Result
// per input, in input order; the keys that never got a record are the
// Results with a nil Record. An error means the run could not proceed
// (cancelled, table unreadable), not that an image failed.
func Run(ctx context.Context, tg verify.Target, inputs []Input, opts Options) ([]Result, error) {
	opts = opts.withDefaults()
	start := time.Now()
	results := make([]Result, len(inputs))
	for i, in := range inputs {
		results[i].Input = in
	}
	uploadedAt := make([]time.Time, len(inputs))
	next, pending := 0, map[int]bool{}
	lastProgress := time.Now()
	failed := 0
	for {
		// Top up the window.
		if room := opts.Window - len(pending); room > 0 && next < len(inputs) {
			batch := min(room, len(inputs)-next)
			upload(ctx, tg, results[next:next+batch], uploadedAt[next:next+batch], opts.Parallel)
			for i := next; i < next+batch; i++ {
				if results[i].UploadErr == "" {
					pending[i] = true
				}
			}
			next += batch
		}
		if err := ctx.Err(); err != nil {
			return results, fmt.Errorf("run cancelled: %w", err)
		}
		by, err := verify.RecordsByKey(ctx, tg)
		if err != nil {
			return results, err
		}
		for i := range pending {
			for _, rec := range by[results[i].Key] {
				if results[i].Object.Matches(rec) {
					rec := rec
					results[i].Record = &rec
					results[i].Latency = time.Since(uploadedAt[i])
					if rec.Status != contract.StatusProcessed {
						failed++
					}
					delete(pending, i)
					lastProgress = time.Now()
					break
				}
			}
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Uploaded: next, Done: countDone(results), Total: len(inputs), Failed: failed, Elapsed: time.Since(start)})
		}
		if next == len(inputs) && len(pending) == 0 {
			break
		}
		if time.Since(lastProgress) > opts.IdleTimeout {
			break // the caller names the inputs without a record
		}
		select {
		case <-ctx.Done():
			return results, fmt.Errorf("run cancelled: %w", ctx.Err())
		case <-time.After(opts.Interval):
		}
	}
	fetchThumbnails(ctx, tg, results, opts.Parallel)
	return results, nil
}

func countDone(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Record != nil || r.UploadErr != "" {
			n++
		}
	}
	return n
}

// upload puts each input, at most parallel at a time.
func upload(ctx context.Context, tg verify.Target, rs []Result, at []time.Time, parallel int) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range rs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			data, err := os.ReadFile(rs[i].Path)
			if err != nil {
				rs[i].UploadErr = fmt.Sprintf("read %s: %v", rs[i].Path, err)
				return
			}
			at[i] = time.Now()
			// The type a browser or the CLI would send, from the extension.
			obj, err := verify.UploadAs(ctx, tg, rs[i].Key, mime.TypeByExtension(path.Ext(rs[i].Name)), data)
			if err != nil {
				rs[i].UploadErr = err.Error()
				return
			}
			rs[i].Object = obj
		}()
	}
	wg.Wait()
}

// fetchThumbnails downloads the thumbnails each record lists.
func fetchThumbnails(ctx context.Context, tg verify.Target, rs []Result, parallel int) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range rs {
		if rs[i].Record == nil || len(rs[i].Record.Thumbnails) == 0 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rs[i].Files = map[string][]byte{}
			var errs []error
			for _, th := range rs[i].Record.Thumbnails {
				for _, key := range th.Keys() {
					data, err := get(ctx, tg, key)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					rs[i].Files[key] = data
				}
			}
			if err := errors.Join(errs...); err != nil {
				rs[i].FetchErr = err.Error()
			}
		}()
	}
	wg.Wait()
}

func get(ctx context.Context, tg verify.Target, key string) ([]byte, error) {
	out, err := tg.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", tg.Bucket, key, err)
	}
	defer func() { _ = out.Body.Close() }() // read-only: ReadAll reports the read errors
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", tg.Bucket, key, err)
	}
	return data, nil
}

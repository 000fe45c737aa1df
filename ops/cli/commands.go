package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/ops/audit"
	"github.com/imgpipe/imgpipe/ops/batchjob"
	"github.com/imgpipe/imgpipe/ops/inventory"
	"github.com/imgpipe/imgpipe/ops/invoke"
	"github.com/imgpipe/imgpipe/ops/progress"
	"github.com/imgpipe/imgpipe/ops/redrive"
	"github.com/imgpipe/imgpipe/ops/reprocess"
	"github.com/imgpipe/imgpipe/ops/run"
	"github.com/imgpipe/imgpipe/ops/status"
)

func init() {
	commands = []command{
		{name: "status", args: "[--job ID [--no-follow]] [--last N]",
			help:  "record counts by status and failure reason, latest failures, dead-letter queue, alarms in ALARM; with --job, follow an S3 Batch Operations job",
			flags: statusCmd},
		{name: "audit", args: "[--prefix P] [--fix]", bounded: true,
			help:  "compare the bucket with the table: uploads without a record, records whose thumbnails are missing, orphan thumbnails; --fix repairs them",
			flags: auditCmd},
		{name: "backfill", args: "[--prefix P] [--dry-run] [--engine invoke|batch] [--inventory s3://.../manifest.json]", bounded: true,
			help:  "process every upload whose current version has no record, or whose record's thumbnails are missing",
			flags: backfillCmd},
		{name: "reprocess", args: "[--status S] [--reason R] [--prefix P] [--older-than-config] [--dry-run]", bounded: true,
			help:  "process matching versions again (after a fix, or a change of THUMBNAIL_SIZES, quality or formats)",
			flags: reprocessCmd},
		{name: "redrive", args: "[--dry-run] [--max N]", bounded: true,
			help:  "re-invoke the events parked in the dead-letter queue; a message is deleted only once handled",
			flags: redriveCmd},
	}
}

// ------------------------------------------------------------------ status

func statusCmd(fs *flag.FlagSet) func(*app) (int, error) {
	job := fs.String("job", "", "follow this S3 Batch Operations job (from backfill --engine batch) until it ends")
	noFollow := fs.Bool("no-follow", false, "with --job: print the job's state once")
	last := fs.Int("last", 10, "how many latest failures to list")
	return func(a *app) (int, error) {
		if *last < 0 {
			return 0, usagef("--last %d: want 0 or more", *last)
		}
		if *job != "" {
			return a.followJob(*job, !*noFollow)
		}
		rep, err := status.Get(a.ctx, status.Sources{
			Records: a.records(), Queue: a.c.SQS, QueueURL: a.stack.DLQ, CloudWatch: a.c.CloudWatch, Alarms: a.stack.Alarms,
		}, *last)
		if err != nil {
			return 0, err
		}
		if err := a.out(rep, func(w *strings.Builder) { printStatus(w, a, rep) }); err != nil {
			return 0, err
		}
		if !rep.Clean() {
			return ExitProblems, nil
		}
		return ExitOK, nil
	}
}

func printStatus(w *strings.Builder, a *app, rep status.Report) {
	fmt.Fprintf(w, "records in %s (through %s):\n", a.stack.Table, contract.StatusIndexName)
	for _, st := range status.Statuses {
		line := fmt.Sprintf("  %-10s %6d", st, rep.Counts[st])
		if st == contract.StatusFailed && len(rep.Reasons) > 0 {
			var parts []string
			for _, r := range sortedKeys(rep.Reasons) {
				parts = append(parts, fmt.Sprintf("%s %d", r, rep.Reasons[r]))
			}
			line += "   " + strings.Join(parts, ", ")
		}
		fmt.Fprintln(w, line)
	}
	if len(rep.LastFailures) > 0 {
		fmt.Fprintln(w, "latest failures:")
		for _, f := range rep.LastFailures {
			fmt.Fprintf(w, "  %s  %s  %s: %s\n", f.When.Format(time.RFC3339), f.Key, f.Reason, strings.TrimPrefix(f.Message, f.Reason+": "))
		}
	}
	age := "unknown (no CloudWatch datapoint in the last 15 minutes)"
	if rep.DLQ.OldestAgeSeconds != nil {
		age = (time.Duration(*rep.DLQ.OldestAgeSeconds) * time.Second).String()
	}
	fmt.Fprintf(w, "dead-letter queue: %d messages, %d in flight, oldest %s\n  %s\n", rep.DLQ.Messages, rep.DLQ.InFlight, age, rep.DLQ.URL)
	switch {
	case rep.AlarmsChecked == 0:
		fmt.Fprintln(w, "alarms: none in the stack description")
	case len(rep.InAlarm) == 0:
		fmt.Fprintf(w, "alarms: none of %d in ALARM\n", rep.AlarmsChecked)
	default:
		fmt.Fprintf(w, "alarms in ALARM (%d of %d):\n", len(rep.InAlarm), rep.AlarmsChecked)
		for _, al := range rep.InAlarm {
			fmt.Fprintf(w, "  %s since %s: %s\n", al.Name, al.Since.Format(time.RFC3339), al.Reason)
		}
	}
	if !rep.Clean() {
		fmt.Fprintln(w, "needs attention: dead-letter messages (imgpipe redrive) or alarms in ALARM")
	}
}

func (a *app) jobs(ctx context.Context) (batchjob.Jobs, error) {
	if a.stack.Endpoint != "" {
		return batchjob.Jobs{}, usagef("S3 Batch Operations is an AWS service: the local stack at %s has none (use --engine invoke)", a.stack.Endpoint)
	}
	account, err := a.c.AccountID(ctx)
	if err != nil {
		return batchjob.Jobs{}, fmt.Errorf("find the account id: %w", err)
	}
	fc, err := a.c.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a.stack.Function)})
	if err != nil {
		return batchjob.Jobs{}, fmt.Errorf("read function %s: %w", a.stack.Function, err)
	}
	return batchjob.Jobs{S3: a.c.S3, Control: a.c.Control, AccountID: account, Bucket: a.stack.Bucket,
		FunctionArn: aws.ToString(fc.FunctionArn), RoleArn: a.stack.BatchOperationsRole}, nil
}

func (a *app) followJob(id string, follow bool) (int, error) {
	ctx := a.ctx
	jobs, err := a.jobs(ctx)
	if err != nil {
		return 0, err
	}
	var job batchjob.Job
	if follow {
		interval := a.env.FollowInterval
		if interval <= 0 {
			interval = 15 * time.Second
		}
		job, err = jobs.Follow(ctx, id, interval, func(total int) progress.Reporter { return a.progress(total, "job "+id) })
		if err != nil && ctx.Err() == nil {
			return 0, err
		}
	} else if job, err = jobs.Describe(ctx, id); err != nil {
		return 0, err
	}
	if err := a.out(job, func(w *strings.Builder) {
		fmt.Fprintf(w, "job %s: %s, %d of %d tasks done (%d succeeded, %d failed)\n", job.ID, job.Status, job.Succeeded+job.Failed, job.Total, job.Succeeded, job.Failed)
		for _, r := range job.FailureReasons {
			fmt.Fprintf(w, "  %s\n", r)
		}
		if job.Report != "" {
			fmt.Fprintf(w, "completion report: %s\n", job.Report)
		}
		if !job.Done() {
			fmt.Fprintf(w, "not finished: follow it with imgpipe status --job %s\n", job.ID)
		}
	}); err != nil {
		return 0, err
	}
	if !job.Clean() {
		return ExitProblems, nil
	}
	return ExitOK, nil
}

// ------------------------------------------------------------------- audit

func (a *app) auditTarget(prefix string) audit.Target {
	return audit.Target{Bucket: a.stack.Bucket, UploadsPrefix: a.stack.UploadsPrefix, ThumbnailsPrefix: a.stack.ThumbnailsPrefix, Prefix: prefix}
}

func (a *app) audit(ctx context.Context, prefix string) (audit.Report, error) {
	if _, err := audit.ValidatePrefix(prefix, a.stack.UploadsPrefix); err != nil {
		return audit.Report{}, usageError{err}
	}
	o := run.Options{Concurrency: a.flags.concurrency, Rate: a.flags.rate}
	return audit.Run(ctx, a.c.S3, a.records(), a.auditTarget(prefix), o, func(n int) progress.Reporter { return a.progress(n, "audit") })
}

type fixResult struct {
	Enqueued     int              `json:"enqueued"`
	EnqueueFails []invoke.Failure `json:"enqueueFailures,omitempty"`
	Deleted      int              `json:"deleted"`
	DeleteFails  []string         `json:"deleteFailures,omitempty"`
}

func auditCmd(fs *flag.FlagSet) func(*app) (int, error) {
	prefix := fs.String("prefix", "", "audit only uploads under this key prefix (under the uploads prefix)")
	fix := fs.Bool("fix", false, "enqueue processing of unprocessed versions and of versions with missing thumbnails, and delete orphan thumbnails")
	return func(a *app) (int, error) {
		ctx := a.ctx
		rep, err := a.audit(ctx, *prefix)
		if err != nil {
			return 0, err
		}
		var fixed *fixResult
		if *fix && !rep.Interrupted {
			fixed = a.fix(ctx, rep)
		}
		out := struct {
			audit.Report
			Clean bool       `json:"clean"`
			Fix   *fixResult `json:"fix,omitempty"`
		}{rep, rep.Clean(), fixed}
		if err := a.out(out, func(w *strings.Builder) { printAudit(w, a, rep, fixed) }); err != nil {
			return 0, err
		}
		if !rep.Clean() {
			return ExitProblems, nil
		}
		return ExitOK, nil
	}
}

func (a *app) fix(ctx context.Context, rep audit.Report) *fixResult {
	res := &fixResult{}
	todo := candidates(rep)
	enq := a.invoker().Enqueue(ctx, todo, a.runOptions(len(todo), "enqueue"))
	res.Enqueued, res.EnqueueFails = len(enq.Handled), enq.Failed
	keys := make([]string, len(rep.Orphans))
	for i, o := range rep.Orphans {
		keys[i] = o.Key
	}
	sum := run.Each(ctx, keys, a.runOptions(len(keys), "delete"), nil, func(ctx context.Context, k string) error {
		_, err := a.c.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(a.stack.Bucket), Key: aws.String(k)})
		return err
	})
	res.Deleted = sum.Done
	for _, f := range sum.Failed {
		res.DeleteFails = append(res.DeleteFails, f.Item+": "+f.Err.Error())
	}
	return res
}

func printAudit(w *strings.Builder, a *app, rep audit.Report, fixed *fixResult) {
	fmt.Fprintf(w, "audit of s3://%s/%s against %s: %d uploads (%d processed, %d failed), %d thumbnails\n",
		a.stack.Bucket, rep.Prefix, a.stack.Table, rep.Uploads, rep.Processed, rep.Failed, rep.Thumbnails)
	if len(rep.Unprocessed) > 0 {
		fmt.Fprintf(w, "unprocessed (the current version has no record): %d\n", len(rep.Unprocessed))
		for _, o := range rep.Unprocessed {
			fmt.Fprintf(w, "  %s%s\n", o.Key, versionNote(o))
		}
	}
	if len(rep.MissingThumbnails) > 0 {
		fmt.Fprintf(w, "missing thumbnails (listed by the record, not in the bucket): %d\n", len(rep.MissingThumbnails))
		for _, m := range rep.MissingThumbnails {
			fmt.Fprintf(w, "  %s%s: %s\n", m.Key, versionNote(m.Object), strings.Join(m.Thumbnails, ", "))
		}
	}
	if len(rep.Orphans) > 0 {
		fmt.Fprintf(w, "orphan thumbnails: %d\n", len(rep.Orphans))
		for _, o := range rep.Orphans {
			fmt.Fprintf(w, "  %s (%s)\n", o.Key, o.Reason)
		}
	}
	for _, e := range rep.LookupErrors {
		fmt.Fprintf(w, "record not readable: %s\n", e)
	}
	if rep.Unrecognised > 0 {
		fmt.Fprintf(w, "%d objects under %s are not named like thumbnails (left alone)\n", rep.Unrecognised, a.stack.ThumbnailsPrefix)
	}
	if rep.Interrupted {
		fmt.Fprintf(w, "interrupted: %d versions not checked (orphans not judged); run the audit again\n", rep.NotChecked)
	}
	if fixed != nil {
		fmt.Fprintf(w, "fix: %d versions enqueued for processing, %d orphan thumbnails deleted\n", fixed.Enqueued, fixed.Deleted)
		for _, f := range fixed.EnqueueFails {
			fmt.Fprintf(w, "  not enqueued: %s: %s\n", f.Object.Key, f.Error)
		}
		for _, f := range fixed.DeleteFails {
			fmt.Fprintf(w, "  not deleted: %s\n", f)
		}
	}
	switch {
	case rep.Clean():
		fmt.Fprintln(w, "clean: every current upload has its record and thumbnails, no orphan thumbnails")
	case fixed == nil && !rep.Interrupted:
		fmt.Fprintln(w, "repair with imgpipe audit --fix, or imgpipe backfill (records and thumbnails)")
	}
}

func versionNote(o inventory.Object) string {
	if o.VersionID == "" {
		return ""
	}
	return " (version " + o.VersionID + ")"
}

// candidates are what backfill processes: the unprocessed versions and the
// versions whose thumbnails are missing, in key order.
func candidates(rep audit.Report) []inventory.Object {
	out := append([]inventory.Object(nil), rep.Unprocessed...)
	for _, m := range rep.MissingThumbnails {
		out = append(out, m.Object)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ---------------------------------------------------------------- backfill

type processed struct {
	Engine      string             `json:"engine"`
	DryRun      bool               `json:"dryRun"`
	Candidates  []inventory.Object `json:"candidates"`
	Handled     int                `json:"handled"`
	Processed   int                `json:"processed"`
	FailedPerm  int                `json:"failedPermanently"` // the function wrote a FAILED record (a bad image)
	Failed      []invoke.Failure   `json:"failed"`            // the function did not handle them (retry later)
	NotStarted  int                `json:"notStarted,omitempty"`
	Interrupted bool               `json:"interrupted,omitempty"`
	Job         *batchjob.Job      `json:"job,omitempty"`
	Manifest    string             `json:"manifest,omitempty"`
}

func (p processed) code() int {
	if len(p.Failed) > 0 || p.Interrupted {
		return ExitProblems
	}
	return ExitOK
}

func printProcessed(w *strings.Builder, verb string, p processed) {
	if len(p.Candidates) == 0 {
		fmt.Fprintf(w, "nothing to %s\n", verb)
		return
	}
	if p.DryRun {
		fmt.Fprintf(w, "would %s %d versions:\n", verb, len(p.Candidates))
		for _, o := range p.Candidates {
			fmt.Fprintf(w, "  %s%s\n", o.Key, versionNote(o))
		}
		return
	}
	if p.Job != nil {
		fmt.Fprintf(w, "S3 Batch Operations job %s created for %d versions (manifest %s)\nfollow it with: imgpipe status --job %s\n",
			p.Job.ID, len(p.Candidates), p.Manifest, p.Job.ID)
		return
	}
	fmt.Fprintf(w, "%s: %d of %d versions handled by the function: %d processed, %d failed permanently (FAILED record: see imgpipe status)\n",
		verb, p.Handled, len(p.Candidates), p.Processed, p.FailedPerm)
	for _, f := range p.Failed {
		fmt.Fprintf(w, "  not handled: %s%s: %s\n", f.Object.Key, versionNote(f.Object), f.Error)
	}
	if len(p.Failed) > 0 {
		fmt.Fprintf(w, "%d versions not handled: run the command again once the cause is fixed\n", len(p.Failed))
	}
	if p.Interrupted {
		fmt.Fprintf(w, "interrupted: %d versions not started; run the command again to continue\n", p.NotStarted)
	}
}

func backfillCmd(fs *flag.FlagSet) func(*app) (int, error) {
	prefix := fs.String("prefix", "", "only uploads under this key prefix (under the uploads prefix)")
	dryRun := fs.Bool("dry-run", false, "list what would be processed, change nothing")
	engine := fs.String("engine", "invoke", "invoke: call the function from here, a few records per invocation; batch: an S3 Batch Operations job (AWS only)")
	inventoryURI := fs.String("inventory", "", "with --engine batch: use this S3 Inventory manifest (s3://bucket/.../manifest.json, CSV) instead of listing the bucket")
	batchSize := fs.Int("batch-size", invoke.DefaultBatchSize, "records per invocation (--engine invoke)")
	return func(a *app) (int, error) {
		ctx := a.ctx
		if *engine != "invoke" && *engine != "batch" {
			return 0, usagef("--engine %q: want invoke or batch", *engine)
		}
		if *inventoryURI != "" && *engine != "batch" {
			return 0, usagef("--inventory needs --engine batch")
		}
		if *batchSize < 1 || *batchSize > 100 {
			return 0, usagef("--batch-size %d: want 1 to 100", *batchSize)
		}
		res := processed{Engine: *engine, DryRun: *dryRun, Candidates: []inventory.Object{}, Failed: []invoke.Failure{}}
		if *engine == "batch" {
			return a.backfillBatch(ctx, *prefix, *inventoryURI, res)
		}
		rep, err := a.audit(ctx, *prefix)
		if err != nil {
			return 0, err
		}
		res.Candidates = candidates(rep)
		if rep.Interrupted {
			res.Interrupted = true
		} else if !*dryRun && len(res.Candidates) > 0 {
			inv := a.invoker()
			inv.BatchSize = *batchSize
			r := inv.Process(ctx, res.Candidates, a.runOptions(len(res.Candidates), "backfill"))
			a.summarise(ctx, r, &res)
		}
		if err := a.out(res, func(w *strings.Builder) { printProcessed(w, "backfill", res) }); err != nil {
			return 0, err
		}
		return res.code(), nil
	}
}

func (a *app) summarise(ctx context.Context, r invoke.Result, res *processed) {
	res.Handled, res.Failed, res.NotStarted, res.Interrupted = len(r.Handled), append(res.Failed, r.Failed...), r.NotStarted, r.Interrupted
	recs := a.records()
	for _, o := range r.Handled {
		rec, err := recs.ForImage(context.WithoutCancel(ctx), o.ImageID(a.stack.Bucket))
		switch {
		case err != nil:
			res.Failed = append(res.Failed, invoke.Failure{Object: o, Error: "handled, but the record is not readable: " + err.Error()})
		case rec == nil:
			// The function ignored it (not an upload).
		case rec.Status == contract.StatusProcessed:
			res.Processed++
		case rec.Status == contract.StatusFailed:
			res.FailedPerm++
		}
	}
}

func (a *app) backfillBatch(ctx context.Context, prefix, inventoryURI string, res processed) (int, error) {
	jobs, err := a.jobs(ctx)
	if err != nil {
		return 0, err
	}
	var m batchjob.Manifest
	var fields []ctltypes.JobManifestFieldName
	if inventoryURI != "" {
		if m, err = jobs.InventoryManifest(ctx, inventoryURI); err != nil {
			return 0, usageError{err}
		}
	} else {
		rep, err := a.audit(ctx, prefix)
		if err != nil {
			return 0, err
		}
		if rep.Interrupted {
			res.Interrupted = true
			return res.code(), a.out(res, func(w *strings.Builder) { fmt.Fprintln(w, "interrupted while auditing: no job created") })
		}
		res.Candidates = candidates(rep)
	}
	if res.DryRun || (inventoryURI == "" && len(res.Candidates) == 0) {
		return res.code(), a.out(res, func(w *strings.Builder) {
			if inventoryURI != "" {
				fmt.Fprintf(w, "would create an S3 Batch Operations job over the inventory %s\n", m.URI())
				return
			}
			printProcessed(w, "backfill", res)
		})
	}
	if jobs.RoleArn == "" {
		return 0, usagef("the stack has no S3 Batch Operations role (batchOperationsRole): apply the root stack with create_batch_operations_role = true")
	}
	if inventoryURI == "" {
		if m, fields, err = jobs.WriteManifest(ctx, res.Candidates); err != nil {
			return 0, err
		}
	}
	id, err := jobs.Create(ctx, m, fields, fmt.Sprintf("imgpipe backfill of s3://%s/%s", a.stack.Bucket, prefix))
	if err != nil {
		return 0, err
	}
	res.Job, res.Manifest = &batchjob.Job{ID: id, Status: "New"}, m.URI()
	if inventoryURI != "" {
		return ExitOK, a.out(res, func(w *strings.Builder) {
			fmt.Fprintf(w, "S3 Batch Operations job %s created over the inventory %s\nfollow it with: imgpipe status --job %s\n", id, m.URI(), id)
		})
	}
	return ExitOK, a.out(res, func(w *strings.Builder) { printProcessed(w, "backfill", res) })
}

// --------------------------------------------------------------- reprocess

func reprocessCmd(fs *flag.FlagSet) func(*app) (int, error) {
	st := fs.String("status", "", "only records of this status: PROCESSED or FAILED")
	reason := fs.String("reason", "", "only FAILED records with this failure reason (e.g. corrupt)")
	prefix := fs.String("prefix", "", "only keys under this prefix")
	older := fs.Bool("older-than-config", false, "only records whose rendition fingerprint differs from the deployed configuration's")
	dryRun := fs.Bool("dry-run", false, "list what would be reprocessed, change nothing")
	batchSize := fs.Int("batch-size", invoke.DefaultBatchSize, "records per invocation")
	return func(a *app) (int, error) {
		ctx := a.ctx
		if *batchSize < 1 || *batchSize > 100 {
			return 0, usagef("--batch-size %d: want 1 to 100", *batchSize)
		}
		sel := reprocess.Selection{Status: *st, Reason: *reason, Prefix: *prefix}
		if *older {
			fc, err := a.c.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a.stack.Function)})
			if err != nil {
				return 0, fmt.Errorf("read the configuration of %s: %w", a.stack.Function, err)
			}
			env := map[string]string{}
			if fc.Environment != nil {
				env = fc.Environment.Variables
			}
			if sel.Rendition, err = reprocess.CurrentRendition(env); err != nil {
				return 0, usagef("%s: %w", a.stack.Function, err)
			}
		}
		sel, err := sel.Validate(a.stack.UploadsPrefix)
		if err != nil {
			return 0, usageError{err}
		}
		objs, err := reprocess.Select(ctx, a.records(), sel)
		if err != nil {
			return 0, err
		}
		res := processed{Engine: "invoke", DryRun: *dryRun, Candidates: objs, Failed: []invoke.Failure{}}
		if res.Candidates == nil {
			res.Candidates = []inventory.Object{}
		}
		if !*dryRun && len(objs) > 0 {
			inv := a.invoker()
			inv.BatchSize = *batchSize
			a.summarise(ctx, inv.Process(ctx, objs, a.runOptions(len(objs), "reprocess")), &res)
		}
		out := struct {
			processed
			Selection reprocess.Selection `json:"selection"`
		}{res, sel}
		if err := a.out(out, func(w *strings.Builder) { printProcessed(w, "reprocess", res) }); err != nil {
			return 0, err
		}
		return res.code(), nil
	}
}

// ----------------------------------------------------------------- redrive

func redriveCmd(fs *flag.FlagSet) func(*app) (int, error) {
	dryRun := fs.Bool("dry-run", false, "list the messages with their errors, change nothing")
	maxN := fs.Int("max", 0, "handle at most this many messages (0: all)")
	return func(a *app) (int, error) {
		ctx := a.ctx
		if *maxN < 0 {
			return 0, usagef("--max %d: want 0 (all) or more", *maxN)
		}
		vt := 5 * time.Minute
		if fc, err := a.c.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(a.stack.Function)}); err != nil {
			return 0, fmt.Errorf("read the configuration of %s: %w", a.stack.Function, err)
		} else if t := aws.ToInt32(fc.Timeout); t > 0 {
			vt = max(2*time.Duration(t)*time.Second, 30*time.Second)
		}
		if *dryRun {
			vt = 60 * time.Second
		}
		r := redrive.Redriver{Queue: a.c.SQS, QueueURL: a.stack.DLQ, Lambda: a.c.Lambda, Function: a.stack.Function}
		if a.stack.IngestionMode() == contract.IngestionSQS {
			// The dead-letter queue holds the ingest queue's S3
			// notifications: they go back to it (SQS's message move task on
			// AWS; receive, send, delete where the stack has none).
			mover, ok := a.c.SQS.(redrive.MoveAPI)
			if !ok {
				return 0, errors.New("redrive: this SQS client cannot move messages back to the ingest queue")
			}
			r.IngestQueueURL, r.Mover, r.Move = a.stack.IngestQueue, mover, a.stack.MessageMove
		}
		rep, err := r.Run(ctx, redrive.Options{DryRun: *dryRun, Max: *maxN, VisibilityTimeout: vt,
			Run: run.Options{Concurrency: a.flags.concurrency, Rate: a.flags.rate}})
		if err != nil {
			return 0, err
		}
		if rep.Messages == nil {
			rep.Messages = []redrive.Message{}
		}
		if err := a.out(rep, func(w *strings.Builder) {
			switch {
			case len(rep.Messages) == 0 && len(rep.Unreadable) == 0:
				fmt.Fprintln(w, "the dead-letter queue is empty")
			case rep.DryRun:
				fmt.Fprintf(w, "%d messages in the dead-letter queue (nothing changed):\n", len(rep.Messages))
			default:
				fmt.Fprintf(w, "%d messages redriven, %d failed again:\n", rep.Redriven, rep.Failed)
			}
			if rep.MoveTask != "" {
				fmt.Fprintf(w, "  SQS message move task %s moved %d messages back to the ingest queue\n", rep.MoveTask, rep.Moved)
			} else if rep.Moved > 0 {
				fmt.Fprintf(w, "  %d of them moved back to the ingest queue (receive, send, delete: this stack has no message move task)\n", rep.Moved)
			}
			for _, m := range rep.Messages {
				fmt.Fprintf(w, "  %s\n", m.Summary())
			}
			for _, u := range rep.Unreadable {
				fmt.Fprintf(w, "  left in the queue: %s\n", u)
			}
			if rep.Failed > 0 {
				fmt.Fprintf(w, "the failed messages stay in the queue (visible again in %s)\n", vt)
			}
			if rep.Interrupted {
				fmt.Fprintln(w, "interrupted: run imgpipe redrive again to continue")
			}
		}); err != nil {
			return 0, err
		}
		if rep.DryRun && len(rep.Messages)+len(rep.Unreadable) > 0 || rep.Failed > 0 || len(rep.Unreadable) > 0 || rep.Interrupted {
			return ExitProblems, nil
		}
		return ExitOK, nil
	}
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

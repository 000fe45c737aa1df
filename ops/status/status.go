// Package status reports the state of a stack: record counts by status
// and failure reason (through the status index, paginated), the latest
// failures, the dead-letter queue's depth and the age of its oldest
// message, and the stack's alarms that are in ALARM.
package status

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/metadata"
)

// Statuses are the record statuses counted, in the order shown: DELETED
// records are the versions of uploads deleted since.
var Statuses = []string{contract.StatusProcessed, contract.StatusFailed, contract.StatusDeleted}

// Records reads records by status (records.Store).
type Records interface {
	CountWithStatus(ctx context.Context, status string) (int, error)
	EachWithStatus(ctx context.Context, status string, fn func(metadata.Record) error) error
}

// QueueAPI is the SQS call the package makes.
type QueueAPI interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// CloudWatchAPI is the CloudWatch calls the package makes.
type CloudWatchAPI interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	GetMetricStatistics(ctx context.Context, in *cloudwatch.GetMetricStatisticsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error)
}

// Failure is one FAILED record.
type Failure struct {
	Key       string    `json:"key"`
	VersionID string    `json:"versionId,omitempty"`
	Reason    string    `json:"reason"`
	Message   string    `json:"message"`
	When      time.Time `json:"when"` // when the failing attempt ended
}

// Queue is the dead-letter queue's state.
type Queue struct {
	URL      string `json:"url"`
	Messages int    `json:"messages"` // visible
	InFlight int    `json:"inFlight"` // received, not yet deleted
	// OldestAgeSeconds is CloudWatch's ApproximateAgeOfOldestMessage
	// (latest datapoint of the last 15 minutes); null when there is none.
	OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
}

// Alarm is an alarm in ALARM.
type Alarm struct {
	Name   string    `json:"name"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// Report is the state of the stack.
type Report struct {
	Counts        map[string]int `json:"counts"`
	Reasons       map[string]int `json:"failureReasons"`
	LastFailures  []Failure      `json:"lastFailures"`
	DLQ           Queue          `json:"dlq"`
	AlarmsChecked int            `json:"alarmsChecked"`
	InAlarm       []Alarm        `json:"alarmsInAlarm"`
}

// Clean reports whether nothing needs a human: no dead-letter message and
// no alarm in ALARM (FAILED records are bad images, the pipeline's answer).
func (r Report) Clean() bool {
	return r.DLQ.Messages == 0 && r.DLQ.InFlight == 0 && len(r.InAlarm) == 0
}

// Sources are what the report is read from.
type Sources struct {
	Records    Records
	Queue      QueueAPI
	QueueURL   string
	CloudWatch CloudWatchAPI
	Alarms     []string // the stack's alarm names
	Now        func() time.Time
}

// Get reads the report; last is how many latest failures to list.
func Get(ctx context.Context, s Sources, last int) (Report, error) {
	rep := Report{Counts: map[string]int{}, Reasons: map[string]int{}, LastFailures: []Failure{}, InAlarm: []Alarm{}}
	for _, st := range Statuses {
		if st == contract.StatusFailed {
			continue // counted while reading the failures below
		}
		n, err := s.Records.CountWithStatus(ctx, st)
		if err != nil {
			return rep, err
		}
		rep.Counts[st] = n
	}
	var failures []Failure
	err := s.Records.EachWithStatus(ctx, contract.StatusFailed, func(r metadata.Record) error {
		rep.Counts[contract.StatusFailed]++
		rep.Reasons[r.FailureReason]++
		failures = append(failures, Failure{Key: r.Key, VersionID: r.VersionID, Reason: r.FailureReason, Message: r.FailureMessage,
			When: time.UnixMilli(r.ProcessedAt).UTC()})
		return nil
	})
	if err != nil {
		return rep, err
	}
	if _, ok := rep.Counts[contract.StatusFailed]; !ok {
		rep.Counts[contract.StatusFailed] = 0
	}
	sort.SliceStable(failures, func(i, j int) bool { return failures[i].When.After(failures[j].When) })
	if len(failures) > last {
		failures = failures[:last]
	}
	rep.LastFailures = append(rep.LastFailures, failures...)

	if rep.DLQ, err = queue(ctx, s); err != nil {
		return rep, err
	}
	if len(s.Alarms) > 0 {
		rep.AlarmsChecked = len(s.Alarms)
		for i := 0; i < len(s.Alarms); i += 100 { // DescribeAlarms takes at most 100 names
			in := &cloudwatch.DescribeAlarmsInput{AlarmNames: s.Alarms[i:min(i+100, len(s.Alarms))], StateValue: cwtypes.StateValueAlarm}
			for {
				out, err := s.CloudWatch.DescribeAlarms(ctx, in)
				if err != nil {
					return rep, fmt.Errorf("describe alarms: %w", err)
				}
				for _, a := range out.MetricAlarms {
					rep.InAlarm = append(rep.InAlarm, Alarm{Name: aws.ToString(a.AlarmName), Reason: aws.ToString(a.StateReason), Since: aws.ToTime(a.StateUpdatedTimestamp)})
				}
				for _, a := range out.CompositeAlarms {
					rep.InAlarm = append(rep.InAlarm, Alarm{Name: aws.ToString(a.AlarmName), Reason: aws.ToString(a.StateReason), Since: aws.ToTime(a.StateUpdatedTimestamp)})
				}
				if out.NextToken == nil {
					break
				}
				in.NextToken = out.NextToken
			}
		}
	}
	return rep, nil
}

func queue(ctx context.Context, s Sources) (Queue, error) {
	q := Queue{URL: s.QueueURL}
	out, err := s.Queue.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(s.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return q, fmt.Errorf("read the dead-letter queue %s: %w", s.QueueURL, err)
	}
	q.Messages, _ = strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	q.InFlight, _ = strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	if s.CloudWatch == nil {
		return q, nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	name := s.QueueURL[strings.LastIndex(s.QueueURL, "/")+1:]
	stats, err := s.CloudWatch.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/SQS"), MetricName: aws.String("ApproximateAgeOfOldestMessage"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String(name)}},
		StartTime:  aws.Time(now().Add(-15 * time.Minute)), EndTime: aws.Time(now()),
		Period: aws.Int32(300), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum},
	})
	if err != nil {
		return q, fmt.Errorf("read the age of the oldest message of %s: %w", name, err)
	}
	var latest *cwtypes.Datapoint
	for i := range stats.Datapoints {
		if d := &stats.Datapoints[i]; latest == nil || aws.ToTime(d.Timestamp).After(aws.ToTime(latest.Timestamp)) {
			latest = d
		}
	}
	if latest != nil && latest.Maximum != nil {
		q.OldestAgeSeconds = latest.Maximum
	}
	return q, nil
}

package awstest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// CloudWatch holds alarms with a state and metric datapoints by
// (namespace, metric name, first dimension value).
type CloudWatch struct {
	mu     sync.Mutex
	alarms map[string]cwtypes.MetricAlarm
	points map[[3]string][]cwtypes.Datapoint
}

// NewCloudWatch returns an empty CloudWatch.
func NewCloudWatch() *CloudWatch {
	return &CloudWatch{alarms: map[string]cwtypes.MetricAlarm{}, points: map[[3]string][]cwtypes.Datapoint{}}
}

// SetAlarm creates or updates alarm name with state.
func (c *CloudWatch) SetAlarm(name string, state cwtypes.StateValue, reason string, since time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alarms[name] = cwtypes.MetricAlarm{AlarmName: aws.String(name), StateValue: state, StateReason: aws.String(reason), StateUpdatedTimestamp: aws.Time(since)}
}

// AddDatapoint adds a datapoint (its Maximum) of namespace/metric for the
// dimension value.
func (c *CloudWatch) AddDatapoint(namespace, metric, dimValue string, at time.Time, maximum float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := [3]string{namespace, metric, dimValue}
	c.points[k] = append(c.points[k], cwtypes.Datapoint{Timestamp: aws.Time(at), Maximum: aws.Float64(maximum)})
}

// DescribeAlarms returns the named alarms (all when no names), filtered by
// StateValue.
func (c *CloudWatch) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &cloudwatch.DescribeAlarmsOutput{}
	for name, a := range c.alarms {
		if len(in.AlarmNames) > 0 && !slices.Contains(in.AlarmNames, name) {
			continue
		}
		if in.StateValue != "" && a.StateValue != in.StateValue {
			continue
		}
		out.MetricAlarms = append(out.MetricAlarms, a)
	}
	slices.SortFunc(out.MetricAlarms, func(a, b cwtypes.MetricAlarm) int {
		if aws.ToString(a.AlarmName) < aws.ToString(b.AlarmName) {
			return -1
		}
		return 1
	})
	return out, nil
}

// GetMetricStatistics returns the datapoints within [StartTime, EndTime).
func (c *CloudWatch) GetMetricStatistics(ctx context.Context, in *cloudwatch.GetMetricStatisticsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dim := ""
	if len(in.Dimensions) > 0 {
		dim = aws.ToString(in.Dimensions[0].Value)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &cloudwatch.GetMetricStatisticsOutput{Label: in.MetricName}
	for _, p := range c.points[[3]string{aws.ToString(in.Namespace), aws.ToString(in.MetricName), dim}] {
		at := aws.ToTime(p.Timestamp)
		if !at.Before(aws.ToTime(in.StartTime)) && at.Before(aws.ToTime(in.EndTime)) {
			out.Datapoints = append(out.Datapoints, p)
		}
	}
	return out, nil
}

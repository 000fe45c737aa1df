package deletenotify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type invocations struct {
	mu   sync.Mutex
	evs  []events.S3Event
	err  error
	kind []lambdatypes.InvocationType
}

func (f *invocations) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var ev events.S3Event
	if err := json.Unmarshal(in.Payload, &ev); err != nil {
		return nil, err
	}
	f.evs = append(f.evs, ev)
	f.kind = append(f.kind, in.InvocationType)
	return &lambda.InvokeOutput{StatusCode: 202}, nil
}

func response(method, target string, status int, header map[string]string, body string) *http.Response {
	u, _ := url.Parse("http://127.0.0.1:4566" + target)
	resp := &http.Response{
		StatusCode: status,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    &http.Request{Method: method, URL: u, Header: http.Header{}},
	}
	for k, v := range header {
		resp.Header.Set(k, v)
	}
	return resp
}

func newNotifier(f *invocations) *Notifier {
	return New(Config{Bucket: "imgpipe-local-images", Prefix: "uploads/", Function: "imgpipe-local-processor", Region: "us-east-1", Lambda: f})
}

func TestDeleteObjectIsNotified(t *testing.T) {
	f := &invocations{}
	n := newNotifier(f)

	// DeleteObject without a version: a delete marker.
	require.NoError(t, n.Observe(response(http.MethodDelete, "/imgpipe-local-images/uploads/a%20b/caf%C3%A9.jpg", 204,
		map[string]string{"x-amz-version-id": "v7", "x-amz-delete-marker": "true"}, "")))
	// DeleteObject of a version.
	require.NoError(t, n.Observe(response(http.MethodDelete, "/imgpipe-local-images/uploads/x.png?versionId=v3", 204,
		map[string]string{"x-amz-version-id": "v3"}, "")))
	// Removing a delete marker: S3 answers x-amz-delete-marker true, yet
	// the event is a version deleted.
	require.NoError(t, n.Observe(response(http.MethodDelete, "/imgpipe-local-images/uploads/x.png?versionId=v9", 204,
		map[string]string{"x-amz-version-id": "v9", "x-amz-delete-marker": "true"}, "")))

	require.Len(t, f.evs, 3)
	assert.Equal(t, []lambdatypes.InvocationType{lambdatypes.InvocationTypeEvent, lambdatypes.InvocationTypeEvent, lambdatypes.InvocationTypeEvent}, f.kind, "asynchronously, as S3 invokes")
	for i, want := range []struct{ name, key, version string }{
		{"ObjectRemoved:DeleteMarkerCreated", "uploads/a b/café.jpg", "v7"},
		{"ObjectRemoved:Delete", "uploads/x.png", "v3"},
		{"ObjectRemoved:Delete", "uploads/x.png", "v9"},
	} {
		r := f.evs[i].Records[0]
		assert.Equal(t, want.name, r.EventName)
		assert.Equal(t, want.key, r.S3.Object.URLDecodedKey, "the key decodes as S3's would")
		assert.NotContains(t, r.S3.Object.Key, " ", "the key travels form-encoded")
		assert.Equal(t, want.version, r.S3.Object.VersionID)
		assert.Equal(t, "imgpipe-local-images", r.S3.Bucket.Name)
		assert.Equal(t, "aws:s3", r.EventSource)
	}
	assert.EqualValues(t, 3, n.Sent())
}

func TestDeleteObjectsIsNotifiedPerEntry(t *testing.T) {
	f := &invocations{}
	n := newNotifier(f)
	body := `<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted><Key>uploads/one.jpg</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>m1</DeleteMarkerVersionId></Deleted>
  <Deleted><Key>uploads/two.jpg</Key><VersionId>v2</VersionId></Deleted>
  <Deleted><Key>thumbnails/256/one.jpg.jpg</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>m3</DeleteMarkerVersionId></Deleted>
</DeleteResult>`
	resp := response(http.MethodPost, "/imgpipe-local-images?delete", 200, nil, body)
	require.NoError(t, n.Observe(resp))
	left, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(left), "the client still gets the whole response")

	require.Len(t, f.evs, 2, "not the thumbnail: it is outside the notification's prefix")
	assert.Equal(t, "ObjectRemoved:DeleteMarkerCreated", f.evs[0].Records[0].EventName)
	assert.Equal(t, "m1", f.evs[0].Records[0].S3.Object.VersionID)
	assert.Equal(t, "ObjectRemoved:Delete", f.evs[1].Records[0].EventName)
	assert.Equal(t, "v2", f.evs[1].Records[0].S3.Object.VersionID)
}

func TestWhatIsNoDeleteOfTheBucketIsIgnored(t *testing.T) {
	f := &invocations{}
	n := newNotifier(f)
	for _, resp := range []*http.Response{
		response(http.MethodDelete, "/imgpipe-local-images/thumbnails/256/a.jpg.jpg", 204, map[string]string{"x-amz-delete-marker": "true"}, ""),
		response(http.MethodDelete, "/other-bucket/uploads/a.jpg", 204, nil, ""),
		response(http.MethodDelete, "/imgpipe-local-images/uploads/a.jpg", 404, nil, ""),
		response(http.MethodGet, "/imgpipe-local-images/uploads/a.jpg", 200, nil, "bytes"),
		response(http.MethodDelete, "/2015-03-31/functions/imgpipe-local-processor", 204, nil, ""),
	} {
		require.NoError(t, n.Observe(resp))
	}
	target := response(http.MethodPost, "/", 200, nil, "{}")
	target.Request.Header.Set("X-Amz-Target", "DynamoDB_20120810.DeleteItem")
	require.NoError(t, n.Observe(target))
	assert.Empty(t, f.evs)
}

func TestAFailedNotificationIsCountedNotReturned(t *testing.T) {
	f := &invocations{err: errors.New("connection refused")}
	n := newNotifier(f)
	require.NoError(t, n.Observe(response(http.MethodDelete, "/imgpipe-local-images/uploads/a.jpg", 204,
		map[string]string{"x-amz-version-id": "v1", "x-amz-delete-marker": "true"}, "")), "the client's delete still succeeds")
	assert.EqualValues(t, 1, n.Failed())
	assert.EqualValues(t, 0, n.Sent())
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/internal/stackfile"
	"github.com/imgpipe/imgpipe/internal/verify"
	"github.com/imgpipe/imgpipe/lambda/config"
	"github.com/imgpipe/imgpipe/ops/cli"
)

// portWait lets this test's stack wait for 127.0.0.1:4566 while the
// end-to-end suite of local/ (another test binary of the same go test run)
// holds it: kumo sends S3 notifications to that port, whatever else the
// stack listens on.
const portWait = "10m"

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: localstack up")
	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"up", "-wait-port", "soon"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "-wait-port")

	dir := t.TempDir()
	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"down", "-dir", dir}, &out, &errOut))
	assert.Contains(t, out.String(), "no local stack is running")
	require.NoError(t, os.WriteFile(filepath.Join(dir, pidFile), []byte("999999999\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, stackFile), []byte("{}"), 0o644))
	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"down", "-dir", dir}, &out, &errOut))
	assert.Contains(t, out.String(), "is not running; removed its files")
	assert.NoFileExists(t, filepath.Join(dir, stackFile))
}

// upProcess is `localstack up` running as its own process, as make
// local-up runs it.
type upProcess struct {
	cmd    *exec.Cmd
	dir    string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (u *upProcess) log() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stderr.String()
}

func startUp(t *testing.T, bin, dir string) *upProcess {
	t.Helper()
	u := &upProcess{dir: dir, done: make(chan error, 1)}
	u.cmd = exec.Command(bin, "up", "-dir", dir, "-wait-port", portWait)
	u.cmd.Stdout = os.Stderr
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	u.cmd.Stderr = pw
	require.NoError(t, u.cmd.Start())
	require.NoError(t, pw.Close()) // the child holds its own copy
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			u.mu.Lock()
			u.stderr.WriteString(sc.Text() + "\n")
			u.mu.Unlock()
		}
	}()
	go func() { u.done <- u.cmd.Wait() }()
	t.Cleanup(func() {
		if u.cmd.ProcessState == nil {
			_ = u.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-u.done:
				t.Logf("local-up stopped at cleanup: %v", err)
			case <-time.After(30 * time.Second):
				_ = u.cmd.Process.Kill()
			}
		}
	})
	return u
}

// waitForStackJSON waits until up has written stack.json (the handler is
// ready then) and returns the description.
func (u *upProcess) waitForStackJSON(t *testing.T) stackfile.Stack {
	t.Helper()
	deadline := time.Now().Add(15 * time.Minute) // the port wait, the build, the start
	for time.Now().Before(deadline) {
		select {
		case err := <-u.done:
			require.FailNowf(t, "local-up exited before it was ready", "%v\n%s", err, u.log())
		default:
		}
		if st, err := stackfile.Load(filepath.Join(u.dir, stackFile)); err == nil {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.FailNowf(t, "no stack.json", "within 15 minutes:\n%s", u.log())
	return stackfile.Stack{}
}

// The outside check: make local-up; after uploads are processed, records
// and thumbnails are deleted behind the pipeline's back; imgpipe audit
// exits 1 and names them; imgpipe backfill restores them; imgpipe audit
// then exits 0; imgpipe status --json counts every upload as PROCESSED;
// make local-down leaves no process behind.
func TestLocalUpOutsideCheckLocalDown(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "localstack")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build localstack: %s", out)
	dir := t.TempDir()
	u := startUp(t, bin, dir)
	desc := u.waitForStackJSON(t)
	assert.Equal(t, "http://127.0.0.1:4566", desc.Endpoint)
	assert.Equal(t, contract.UploadsPrefix, desc.UploadsPrefix)
	assert.Equal(t, contract.ThumbnailsPrefix, desc.ThumbnailsPrefix)
	for _, f := range []string{desc.Region, desc.Bucket, desc.Table, desc.Function, desc.DLQ} {
		assert.NotEmpty(t, f)
	}
	pid, alive := running(dir)
	require.True(t, alive, "the pid file names the running local-up")
	assert.Equal(t, u.cmd.Process.Pid, pid)

	// A second local-up is refused while the first runs.
	var o2, e2 bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"up", "-dir", dir}, &o2, &e2))
	assert.Contains(t, e2.String(), "already running")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tg := target(t, ctx, desc)
	var objs []verify.Object
	for i := range 5 {
		body := samplePNG(t, i)
		objs = append(objs, verify.MustUpload(t, ctx, tg, fmt.Sprintf("%scheck/photo-%d.png", desc.UploadsPrefix, i), body))
	}
	found, missing, err := verify.WaitForObjects(ctx, tg, objs, nil)
	require.NoError(t, err)
	require.Empty(t, missing)

	// Behind the pipeline's back: two records and two thumbnails.
	ddb := dynamodb.NewFromConfig(awsConfig(desc))
	for _, o := range objs[:2] {
		rec := found[o.Key]
		k, err := attributevalue.MarshalMap(map[string]any{contract.TableHashKey: rec.ImageID, contract.TableRangeKey: rec.UploadTimestamp})
		require.NoError(t, err)
		_, err = ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(desc.Table), Key: k})
		require.NoError(t, err)
	}
	s3c := s3.NewFromConfig(awsConfig(desc), func(o *s3.Options) { o.UsePathStyle = true })
	var deletedThumbs []string
	for _, o := range objs[2:4] {
		k := tg.ThumbnailKey(o.Key, tg.Sizes[0])
		deletedThumbs = append(deletedThumbs, k)
		_, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(desc.Bucket), Key: aws.String(k)})
		require.NoError(t, err)
	}

	stackPath := filepath.Join(dir, stackFile)
	imgpipe := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cli.Main(ctx, append([]string{"--stack", stackPath}, args...), cli.Env{Stdout: &out, Stderr: &errOut, Connect: cli.Connect})
		t.Logf("imgpipe %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		return code, out.String()
	}
	code, text := imgpipe("audit")
	assert.Equal(t, cli.ExitProblems, code)
	for _, o := range objs[:2] {
		assert.Contains(t, text, o.Key, "audit names the version without a record")
	}
	for _, k := range deletedThumbs {
		assert.Contains(t, text, k, "audit names the missing thumbnail")
	}
	code, _ = imgpipe("backfill")
	assert.Equal(t, cli.ExitOK, code)
	code, _ = imgpipe("audit")
	assert.Equal(t, cli.ExitOK, code)
	code, js := imgpipe("status", "--json")
	assert.Equal(t, cli.ExitOK, code)
	var st struct {
		Counts map[string]int `json:"counts"`
	}
	require.NoError(t, json.Unmarshal([]byte(js), &st))
	assert.Equal(t, map[string]int{contract.StatusProcessed: len(objs), contract.StatusFailed: 0, contract.StatusDeleted: 0}, st.Counts, "every upload counted as PROCESSED")

	// make local-down: stops it by its pid; nothing is left.
	handlerPID := handlerPIDFrom(t, u.log())
	var o3, e3 bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"down", "-dir", dir}, &o3, &e3), e3.String())
	assert.Contains(t, o3.String(), fmt.Sprintf("stopped the local stack (pid %d)", pid))
	select {
	case err := <-u.done:
		assert.NoError(t, err, "local-up exits 0 when stopped\n%s", u.log())
	case <-time.After(time.Minute):
		t.Fatal("local-up did not exit")
	}
	assert.NoFileExists(t, stackPath, "stack.json is removed")
	assert.NoFileExists(t, filepath.Join(dir, pidFile))
	assert.Error(t, syscall.Kill(handlerPID, 0), "the handler process (pid %d) is gone", handlerPID)
	assert.Contains(t, u.log(), "no process of the stack is left")
}

func awsConfig(d stackfile.Stack) aws.Config {
	return aws.Config{Region: d.Region, BaseEndpoint: aws.String(d.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

// target is the verify.Target of the running stack, with the thumbnail
// sizes its function is configured with.
func target(t *testing.T, ctx context.Context, d stackfile.Stack) verify.Target {
	t.Helper()
	cfg := awsConfig(d)
	fc, err := lambda.NewFromConfig(cfg).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(d.Function)})
	require.NoError(t, err)
	c, err := config.Load(func(k string) (string, bool) { v, ok := fc.Environment.Variables[k]; return v, ok })
	require.NoError(t, err)
	return verify.Target{
		S3:       s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		DynamoDB: dynamodb.NewFromConfig(cfg),
		Bucket:   d.Bucket, Table: d.Table, UploadsPrefix: d.UploadsPrefix, ThumbnailsPrefix: d.ThumbnailsPrefix,
		Sizes: c.ThumbnailSizes, Timeout: 2 * time.Minute,
	}
}

var handlerPIDLine = regexp.MustCompile(`msg="handler running" pid=(\d+)`)

func handlerPIDFrom(t *testing.T, log string) int {
	t.Helper()
	m := handlerPIDLine.FindStringSubmatch(log)
	require.NotNil(t, m, "local-up logs the handler's pid:\n%s", log)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// samplePNG is a small PNG whose pixels depend on seed.
func samplePNG(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := range 200 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x + 40*seed), uint8(y), uint8(seed * 50), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// bodyRecorder is an HTTP client that keeps the body of every request
// and answers each with an empty PutLogEvents response.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *bodyRecorder) Do(req *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func (r *bodyRecorder) last() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[len(r.bodies)-1]
}

func recordingClient() (*cwl.Client, *bodyRecorder) {
	rec := &bodyRecorder{}
	return cwl.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   rec,
	}), rec
}

// checkBodyMatchesSDK sends msgs through the SDK's own serializer and
// through the spool and the agent's body, and compares the bodies.
func checkBodyMatchesSDK(t *testing.T, client *cwl.Client, rec *bodyRecorder, group, stream string, msgs []string) {
	t.Helper()
	var in []types.InputLogEvent
	var batch, escBatch spoolBatch
	for i, m := range msgs {
		in = append(in, types.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(int64(1763766000000 + i))})
		batch.add(group, stream, int64(1763766000000+i), []byte(m))
		escBatch.addEscaped(group, stream, int64(1763766000000+i), decodedSize([]byte(m)), appendSDKEscaped(nil, []byte(m)))
	}
	// A message spooled already escaped is spooled as the same line.
	if !bytes.Equal(escBatch.buf, batch.buf) {
		t.Fatalf("spooled escaped\n %q\nspooled as it is\n %q", escBatch.buf, batch.buf)
	}
	if _, err := client.PutLogEvents(context.Background(), &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: in}); err != nil {
		t.Fatal(err)
	}
	want := rec.last()
	var evs []spoolEvent
	var conv []byte
	for _, line := range bytes.SplitAfter(batch.buf, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		ev, ok := parseSpoolLine(line[:len(line)-1], &conv)
		if !ok {
			t.Fatalf("spool line %q does not parse", line)
		}
		if string(ev.key) != group+"\t"+stream {
			t.Fatalf("key %q", ev.key)
		}
		var decoded string
		if err := json.Unmarshal([]byte(`"`+string(ev.msg)+`"`), &decoded); err != nil {
			t.Fatalf("spooled message %q is not a JSON string's inside: %v", ev.msg, err)
		}
		if ev.size != len(decoded) {
			t.Fatalf("spooled size %d, the server decodes %d bytes", ev.size, len(decoded))
		}
		evs = append(evs, ev)
	}
	a := &Agent{client: client}
	if _, err := a.putLogEvents(context.Background(), group, stream, appendPutLogEventsBody(nil, group, stream, evs)); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(); !bytes.Equal(got, want) {
		t.Fatalf("PutLogEvents body differs from the SDK's\n got %q\nwant %q", got, want)
	}
}

// TestPutLogEventsBodyMatchesSDK: the body the agent writes from its
// spool is byte for byte the one aws-sdk-go-v2 writes for the same
// events, whatever the messages hold.
func TestPutLogEventsBodyMatchesSDK(t *testing.T) {
	client, rec := recordingClient()
	checkBodyMatchesSDK(t, client, rec, "/aws/rds/instance/db1/audit", "db1", []string{
		`{"eventId":"803-1a2b-1f40","source":"mariadb","raw":"a \"quoted\" \\ back\u003cslash\u003e"}`,
		"tab\there, newline\nhere, cr\rhere, nul\x00, bell\x07, del\x7f, esc\x1b",
		"invalid utf-8: \xff\xfe \xc3 end; valid: é ü 日本 😀; separators: \u2028 \u2029",
		"<>&'`",
		`\n is two characters, \\ too`,
	})
	checkBodyMatchesSDK(t, client, rec, "/web/nginx", "host-1.example", []string{"one"})
}

// FuzzPutLogEventsBody compares the agent's body with the SDK's for
// arbitrary messages.
func FuzzPutLogEventsBody(f *testing.F) {
	f.Add("plain", "\"\\\t\n\r\x00\x7f\xff\u2028é")
	f.Add("\xc3", "")
	client, rec := recordingClient()
	f.Fuzz(func(t *testing.T, m1, m2 string) {
		if m1 == "" {
			return // PutLogEvents refuses empty messages; the agent never spools one
		}
		msgs := []string{m1}
		if m2 != "" {
			msgs = append(msgs, m2)
		}
		checkBodyMatchesSDK(t, client, rec, "/g", "s", msgs)
	})
}

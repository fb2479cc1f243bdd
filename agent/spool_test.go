package agent

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

// TestSpoolOfEarlierFormatShips: an agent upgraded while events wait in
// its spool ships them. The segment holds lines of the earlier format
// (messages with escaped backslashes, newlines and carriage returns), then
// the new agent appends its own lines to the same segment.
func TestSpoolOfEarlierFormatShips(t *testing.T) {
	srv := testserver.Start(t)
	client := cwl.NewFromConfig(srv.RootConfig())
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server_audit.log")
	appendLines(t, logPath, 0, 3)
	cfg := testConfig(dir, logPath)
	spool := filepath.Join(cfg.StateDir, "spool")
	if err := os.MkdirAll(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	msgs := []string{"one \\ backslash", "two\nlines\r\nwith\tatab", `{"k":"v \"q\""}`}
	var old strings.Builder
	for i, m := range msgs {
		old.WriteString("/old/group\tstream\t")
		old.WriteString(strconv.FormatInt(now+int64(i), 10))
		old.WriteString("\t")
		old.WriteString(strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(m))
		old.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(spool, "0000000000000000.spool"), []byte(old.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, client, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitAll(t, client, cfg.Sources[0].LogGroup, 3)
	out, err := client.GetLogEvents(context.Background(), &cwl.GetLogEventsInput{LogGroupName: aws.String("/old/group"), LogStreamName: aws.String("stream"), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != len(msgs) {
		t.Fatalf("%d events of the earlier spool, want %d", len(out.Events), len(msgs))
	}
	for i, e := range out.Events {
		if *e.Message != msgs[i] || *e.Timestamp != now+int64(i) {
			t.Errorf("event %d: %q at %d, want %q at %d", i, *e.Message, *e.Timestamp, msgs[i], now+int64(i))
		}
	}
}

// BenchmarkSpoolBatchAdd spools the messages of the captured samples.
func BenchmarkSpoolBatchAdd(b *testing.B) {
	var msgs [][]byte
	for _, c := range []struct{ format, sample string }{
		{FormatMariaDB, "mariadb_server_audit.log"},
		{FormatPostgresJSON, "postgres_pgaudit_jsonlog.json"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "auditlog", "testdata", c.sample))
		if err != nil {
			b.Fatal(err)
		}
		src := &Source{Format: c.format}
		p, err := newParser(src)
		if err != nil {
			b.Fatal(err)
		}
		a := &Agent{cfg: &Config{}}
		a.frame(src, p, &fileState{}, data, true, true, false, func(_ int64, m []byte, _ int) { msgs = append(msgs, bytes.Clone(m)) })
	}
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	b.SetBytes(int64(n))
	var batch spoolBatch
	for b.Loop() {
		batch.reset()
		for _, m := range msgs {
			batch.add("/aws/rds/instance/db1/audit", "db1", 1763766000000, m)
		}
	}
}

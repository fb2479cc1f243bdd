package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

// logEvent is the JSON the CLI prints for a log event.
type logEvent struct {
	Timestamp     int64
	Message       string
	IngestionTime int64
	LogStreamName string
	EventId       string
}

func TestAWSCLILogs(t *testing.T) {
	_, err := os.Stat(debianCLI)
	testenv.Require(t, "Debian AWS CLI ("+debianCLI+")", err == nil, "install the awscli package (scripts/test does)")
	p := startServer(t, t.TempDir())
	run := func(out any, args ...string) { t.Helper(); cli(t, p, rootKey, rootSecret, out, args...) }

	run(nil, "logs", "create-log-group", "--log-group-name", "/app/web")
	run(nil, "logs", "create-log-stream", "--log-group-name", "/app/web", "--log-stream-name", "web-1")
	now := time.Now().UnixMilli()
	var evs []string
	for i := 0; i < 7; i++ {
		level := "INFO"
		if i%3 == 0 {
			level = "ERROR"
		}
		evs = append(evs, fmt.Sprintf("timestamp=%d,message=%s request %d done", now-int64(7-i)*1000, level, i))
	}
	var put struct{ NextSequenceToken string }
	run(&put, append([]string{"logs", "put-log-events", "--log-group-name", "/app/web", "--log-stream-name", "web-1", "--log-events"}, evs...)...)

	var groups struct {
		LogGroups []struct{ LogGroupName, Arn string }
	}
	run(&groups, "logs", "describe-log-groups", "--log-group-name-prefix", "/app")
	if len(groups.LogGroups) != 1 || groups.LogGroups[0].LogGroupName != "/app/web" {
		t.Fatalf("describe-log-groups = %+v", groups)
	}

	// get-log-events paging from the head, two at a time, until the
	// forward token stops changing.
	var got []string
	token := ""
	for pages := 0; pages < 20; pages++ {
		args := []string{"logs", "get-log-events", "--log-group-name", "/app/web", "--log-stream-name", "web-1", "--start-from-head", "--limit", "2"}
		if token != "" {
			args = append(args, "--next-token", token)
		}
		var page struct {
			Events           []logEvent
			NextForwardToken string
		}
		run(&page, args...)
		for _, e := range page.Events {
			got = append(got, e.Message)
		}
		if page.NextForwardToken == token {
			break
		}
		token = page.NextForwardToken
	}
	if len(got) != 7 || got[0] != "ERROR request 0 done" || got[6] != "ERROR request 6 done" {
		t.Fatalf("get-log-events paged %d events: %q", len(got), got)
	}

	var filtered struct{ Events []logEvent }
	run(&filtered, "logs", "filter-log-events", "--log-group-name", "/app/web", "--filter-pattern", "ERROR")
	if len(filtered.Events) != 3 {
		t.Fatalf("filter-log-events ERROR: %d events, want 3: %+v", len(filtered.Events), filtered.Events)
	}
	for _, e := range filtered.Events {
		if !strings.HasPrefix(e.Message, "ERROR") || e.LogStreamName != "web-1" || e.EventId == "" {
			t.Errorf("filtered event %+v", e)
		}
	}

	// aws logs tail without --follow prints every event of the window.
	tail := cliText(t, p, "logs", "tail", "/app/web", "--since", "1h", "--format", "short")
	if n := strings.Count(tail, "request"); n != 7 {
		t.Errorf("logs tail printed %d events, want 7:\n%s", n, tail)
	}
	testTailFollow(t, p)
}

// testTailFollow runs `aws logs tail --follow` while events arrive and
// checks each is printed exactly once.
func testTailFollow(t *testing.T, p *proc) {
	cmd := cliCommand(t, p, "logs", "tail", "/app/web", "--follow", "--since", "1m", "--format", "short")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var (
		mu    sync.Mutex
		lines []string
	)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
		}
	}()
	for i := 0; i < 3; i++ {
		time.Sleep(2 * time.Second)
		cli(t, p, rootKey, rootSecret, nil, "logs", "put-log-events", "--log-group-name", "/app/web", "--log-stream-name", "web-1",
			"--log-events", fmt.Sprintf("timestamp=%d,message=followed event %d", time.Now().UnixMilli(), i))
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		text := strings.Join(lines, "\n")
		mu.Unlock()
		if strings.Count(text, "followed event") >= 3 {
			for i := 0; i < 3; i++ {
				if n := strings.Count(text, fmt.Sprintf("followed event %d", i)); n != 1 {
					t.Errorf("tail --follow printed event %d %d times:\n%s", i, n, text)
				}
			}
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Errorf("tail --follow did not print the 3 new events within 20s:\n%s", strings.Join(lines, "\n"))
}

// cliCommand builds a Debian AWS CLI command against p as root.
func cliCommand(t *testing.T, p *proc, args ...string) *exec.Cmd {
	t.Helper()
	return cliCommandAs(t, p, rootKey, rootSecret, args...)
}

// cliText runs the CLI and returns its standard output as text.
func cliText(t *testing.T, p *proc, args ...string) string {
	t.Helper()
	cmd := cliCommand(t, p, args...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/internal/testenv"
)

// TestBotocoreCloudWatchProtocols runs one metrics-and-alarms flow
// through botocore over each wire protocol CloudWatch clients use — query
// (older CLIs and SDKs), JSON 1.0 and Smithy RPC v2 CBOR (current ones) —
// by forcing the protocol in botocore's own service model, so one real
// client checks every codec the server speaks (testdata/cloudwatch_protocols.py).
func TestBotocoreCloudWatchProtocols(t *testing.T) {
	t.Parallel() // its own server
	python, err := exec.LookPath("python3")
	testenv.Require(t, "python3", err == nil, "install python3")
	out, err := exec.Command(python, "-c", "import botocore.serialize as s; print(' '.join(sorted(s.SERIALIZERS)))").Output()
	testenv.Require(t, "botocore for python3", err == nil, "install botocore (the machine's pyenv Python has it)")
	have := strings.Fields(string(out))
	p := startServer(t, t.TempDir())
	for _, protocol := range []string{"query", "json", "smithy-rpc-v2-cbor"} {
		t.Run(protocol, func(t *testing.T) {
			if !contains(have, protocol) {
				t.Skipf("this botocore has no %s serializer (it has %v)", protocol, have)
			}
			cmd := exec.Command(python, "testdata/cloudwatch_protocols.py", p.URL, protocol, "Proto/"+protocol)
			cmd.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID="+rootKey, "AWS_SECRET_ACCESS_KEY="+rootSecret,
				"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
			b, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(b)) != "ok" {
				t.Fatalf("%v\n%s", err, b)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

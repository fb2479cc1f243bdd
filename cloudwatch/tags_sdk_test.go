package cloudwatch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awscw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/trailwatch/trailwatch/internal/testserver"
)

func tags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagString(ts []types.Tag) string {
	var s []string
	for _, t := range ts {
		s = append(s, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return strings.Join(s, ",")
}

// wantStatus checks the HTTP status of a failed call.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("err = %v, want HTTP %d", err, status)
	}
}

// TestSDKAlarmTags: tags given when an alarm is created are kept, ignored
// on update, changed by TagResource and UntagResource and listed by
// ListTagsForResource, for metric and composite alarms alike.
func TestSDKAlarmTags(t *testing.T) {
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) {
		ctx := context.Background()
		cw := awscw.NewFromConfig(ts.RootConfig())
		arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:" + n }
		list := func(name string) string {
			t.Helper()
			out, err := cw.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String(arn(name))})
			if err != nil {
				t.Fatalf("ListTagsForResource %s: %v", name, err)
			}
			if out.Tags == nil {
				t.Fatalf("ListTagsForResource %s: Tags absent", name)
			}
			return tagString(out.Tags)
		}

		in := childAlarm("web")
		in.Tags = tags("team", "web", "empty", "")
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
		if got := list("web"); got != "team=web,empty=" {
			t.Errorf("after create: %q", got)
		}
		// Tags on an update are ignored (PutMetricAlarm's documentation).
		in.Tags = tags("team", "ops", "new", "x")
		in.AlarmDescription = aws.String("updated")
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
		if got := list("web"); got != "team=web,empty=" {
			t.Errorf("after update: %q", got)
		}

		// TagResource replaces values in place and appends new keys.
		if _, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn("web")),
			Tags: tags("env", "prod", "team", "platform")}); err != nil {
			t.Fatal(err)
		}
		if got := list("web"); got != "team=platform,empty=,env=prod" {
			t.Errorf("after TagResource: %q", got)
		}
		// UntagResource removes keys and ignores unknown ones.
		if _, err := cw.UntagResource(ctx, &awscw.UntagResourceInput{ResourceARN: aws.String(arn("web")),
			TagKeys: []string{"empty", "never-set"}}); err != nil {
			t.Fatal(err)
		}
		if got := list("web"); got != "team=platform,env=prod" {
			t.Errorf("after UntagResource: %q", got)
		}
		// The rest of the alarm is untouched, and tags survive state
		// changes and configuration calls.
		if _, err := cw.SetAlarmState(ctx, &awscw.SetAlarmStateInput{AlarmName: aws.String("web"), StateValue: types.StateValueAlarm,
			StateReason: aws.String("test")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cw.DisableAlarmActions(ctx, &awscw.DisableAlarmActionsInput{AlarmNames: []string{"web"}}); err != nil {
			t.Fatal(err)
		}
		out, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"web"}})
		if err != nil || len(out.MetricAlarms) != 1 || aws.ToString(out.MetricAlarms[0].AlarmDescription) != "updated" ||
			out.MetricAlarms[0].StateValue != types.StateValueAlarm {
			t.Fatalf("DescribeAlarms = %+v, %v", out, err)
		}
		if got := list("web"); got != "team=platform,env=prod" {
			t.Errorf("after state change: %q", got)
		}

		// An alarm without tags lists none; a deleted and recreated alarm
		// starts without the old ones.
		if _, err := cw.PutMetricAlarm(ctx, childAlarm("db")); err != nil {
			t.Fatal(err)
		}
		if got := list("db"); got != "" {
			t.Errorf("untagged: %q", got)
		}
		if _, err := cw.DeleteAlarms(ctx, &awscw.DeleteAlarmsInput{AlarmNames: []string{"web"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cw.PutMetricAlarm(ctx, childAlarm("web")); err != nil {
			t.Fatal(err)
		}
		if got := list("web"); got != "" {
			t.Errorf("recreated: %q", got)
		}

		// Composite alarms, by the same rules.
		if _, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("svc"),
			AlarmRule: aws.String("ALARM(web) OR ALARM(db)"), Tags: tags("tier", "1")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("svc"),
			AlarmRule: aws.String("ALARM(web)"), Tags: tags("tier", "2")}); err != nil {
			t.Fatal(err)
		}
		if _, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn("svc")), Tags: tags("owner", "sre")}); err != nil {
			t.Fatal(err)
		}
		if got := list("svc"); got != "tier=1,owner=sre" {
			t.Errorf("composite: %q", got)
		}
		c, err := cw.DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"svc"}, AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
		if err != nil || len(c.CompositeAlarms) != 1 || aws.ToString(c.CompositeAlarms[0].AlarmRule) != "ALARM(web)" {
			t.Fatalf("composite after tagging = %+v, %v", c, err)
		}
	})
}

// TestSDKAlarmTagErrors: every refusal of the three tagging operations
// and of tags on PutMetricAlarm and PutCompositeAlarm.
func TestSDKAlarmTagErrors(t *testing.T) {
	onBothBackends(t, func(t *testing.T, ts *testserver.Server) {
		ctx := context.Background()
		cw := awscw.NewFromConfig(ts.RootConfig())
		acct := ts.Root.AccountID
		arn := "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:web"
		if _, err := cw.PutMetricAlarm(ctx, childAlarm("web")); err != nil {
			t.Fatal(err)
		}

		// Anything that is not an alarm of this account and region.
		other := ts.NewAccount(t)
		for _, res := range []string{
			"arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:nope",
			"arn:aws:cloudwatch:eu-west-1:" + acct + ":alarm:web",
			"arn:aws:cloudwatch:us-east-1:" + other.AccountID + ":alarm:web",
			"arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:",
			"arn:aws:cloudwatch:us-east-1:" + acct + ":insight-rule/web",
			"arn:aws:cloudwatch::" + acct + ":dashboard/web",
			"arn:aws:cloudwatch:us-east-1:" + acct + ":metric-stream/web",
			"arn:aws:sns:us-east-1:" + acct + ":web",
			"web",
		} {
			_, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(res), Tags: tags("k", "v")})
			wantCode(t, err, "ResourceNotFoundException", "The resource "+res+" does not exist.")
			wantStatus(t, err, 404)
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				t.Errorf("TagResource %s: %T, want *types.ResourceNotFoundException", res, err)
			}
			_, err = cw.UntagResource(ctx, &awscw.UntagResourceInput{ResourceARN: aws.String(res), TagKeys: []string{"k"}})
			wantCode(t, err, "ResourceNotFoundException", "")
			_, err = cw.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String(res)})
			wantCode(t, err, "ResourceNotFoundException", "")
		}
		// The other account's own alarm of that name is not touched.
		ocw := awscw.NewFromConfig(ts.Config(other.AccessKeyID, other.SecretAccessKey))
		if _, err := ocw.PutMetricAlarm(ctx, childAlarm("web")); err != nil {
			t.Fatal(err)
		}
		_, err := ocw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags("k", "v")})
		wantCode(t, err, "ResourceNotFoundException", "")

		// Reserved prefix, in any case.
		for _, key := range []string{"aws:cloudformation:stack-name", "AWS:x"} {
			_, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags(key, "v")})
			wantCode(t, err, "InvalidParameterValue", "Invalid tag key "+key+": the aws: prefix is reserved for use by AWS.")
			var ipv *types.InvalidParameterValueException
			if !errors.As(err, &ipv) {
				t.Errorf("aws: key: %T, want *types.InvalidParameterValueException", err)
			}
			in := childAlarm("reserved")
			in.Tags = tags(key, "v")
			_, err = cw.PutMetricAlarm(ctx, in)
			wantCode(t, err, "InvalidParameterValue", "")
			_, err = cw.PutCompositeAlarm(ctx, &awscw.PutCompositeAlarmInput{AlarmName: aws.String("reserved"), AlarmRule: aws.String("TRUE"), Tags: tags(key, "v")})
			wantCode(t, err, "InvalidParameterValue", "")
		}

		// At most 50 tags, in one call or in all.
		var fifty []string
		for i := range 50 {
			fifty = append(fifty, fmt.Sprintf("k%02d", i), "v")
		}
		_, err = cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags(append(fifty, "k50", "v")...)})
		wantCode(t, err, "InvalidParameterValue", "The number of tags must not exceed 50.")
		if _, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags(fifty[:98]...)}); err != nil {
			t.Fatalf("49 tags: %v", err)
		}
		_, err = cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags("x", "1", "y", "2")})
		wantCode(t, err, "InvalidParameterValue", "The number of tags must not exceed 50.")
		// Replacing a value does not count; the 50th key is allowed.
		if _, err := cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags("k00", "new", "x", "1")}); err != nil {
			t.Fatalf("50th tag: %v", err)
		}
		in := childAlarm("many")
		in.Tags = tags(append(fifty, "k50", "v")...)
		_, err = cw.PutMetricAlarm(ctx, in)
		wantCode(t, err, "InvalidParameterValue", "The number of tags must not exceed 50.")
		in.Tags = tags(fifty...)
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			t.Fatalf("PutMetricAlarm with 50 tags: %v", err)
		}
		out, err := cw.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:many")})
		if err != nil || len(out.Tags) != 50 {
			t.Fatalf("ListTagsForResource many = %d, %v", len(out.Tags), err)
		}

		// Lengths, from the model.
		long := strings.Repeat("k", 129)
		_, err = cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags(long, "v")})
		wantCode(t, err, "ValidationError", "1 validation error detected: Value '"+long+"' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128")
		_, err = cw.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags("k", strings.Repeat("v", 257))})
		wantCode(t, err, "ValidationError", "")
		_, err = cw.UntagResource(ctx, &awscw.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"ok", long}})
		wantCode(t, err, "ValidationError", "1 validation error detected: Value '"+long+"' at 'tagKeys.2.member' failed to satisfy constraint: Member must have length less than or equal to 128")
		_, err = cw.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String(strings.Repeat("a", 1025))})
		wantCode(t, err, "ValidationError", "")
		in = childAlarm("long")
		in.Tags = tags("k", strings.Repeat("v", 257))
		_, err = cw.PutMetricAlarm(ctx, in)
		wantCode(t, err, "ValidationError", "")
	})
}

// TestSDKAlarmTagAuthorization: the tagging operations are authorised
// against the alarm's ARN.
func TestSDKAlarmTagAuthorization(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	cw := awscw.NewFromConfig(ts.RootConfig())
	arn := func(n string) string { return "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:" + n }
	for _, n := range []string{"web-errors", "db-errors"} {
		if _, err := cw.PutMetricAlarm(ctx, childAlarm(n)); err != nil {
			t.Fatal(err)
		}
	}
	ic := iam.NewFromConfig(ts.RootConfig())
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagger")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["cloudwatch:TagResource","cloudwatch:ListTagsForResource"],"Resource":"arn:aws:cloudwatch:*:*:alarm:web-*"},
		{"Effect":"Deny","Action":"cloudwatch:UntagResource","Resource":"arn:aws:cloudwatch:*:*:alarm:web-errors"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("tags"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tagger")})
	if err != nil {
		t.Fatal(err)
	}
	user := awscw.NewFromConfig(ts.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))

	if _, err := user.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn("web-errors")), Tags: tags("k", "v")}); err != nil {
		t.Fatalf("TagResource on an allowed alarm: %v", err)
	}
	if out, err := user.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String(arn("web-errors"))}); err != nil || tagString(out.Tags) != "k=v" {
		t.Fatalf("ListTagsForResource = %+v, %v", out, err)
	}
	_, err = user.TagResource(ctx, &awscw.TagResourceInput{ResourceARN: aws.String(arn("db-errors")), Tags: tags("k", "v")})
	wantCode(t, err, "AccessDeniedException", "")
	if !strings.Contains(err.Error(), "cloudwatch:TagResource on resource: "+arn("db-errors")) {
		t.Errorf("denial names %v", err)
	}
	_, err = user.ListTagsForResource(ctx, &awscw.ListTagsForResourceInput{ResourceARN: aws.String(arn("db-errors"))})
	wantCode(t, err, "AccessDeniedException", "")
	_, err = user.UntagResource(ctx, &awscw.UntagResourceInput{ResourceARN: aws.String(arn("web-errors")), TagKeys: []string{"k"}})
	wantCode(t, err, "AccessDeniedException", "")
}

// TestSDKAlarmPutAuthorization: PutMetricAlarm is authorised against the
// alarm's ARN, and with tags it needs cloudwatch:TagResource as well.
func TestSDKAlarmPutAuthorization(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(ts.RootConfig())
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("oncall")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"cloudwatch:PutMetricAlarm","Resource":"arn:aws:cloudwatch:*:*:alarm:*"},
		{"Effect":"Allow","Action":"cloudwatch:TagResource","Resource":"arn:aws:cloudwatch:*:*:alarm:web-*"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("oncall"), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("oncall")})
	if err != nil {
		t.Fatal(err)
	}
	user := awscw.NewFromConfig(ts.Config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	if _, err := user.PutMetricAlarm(ctx, childAlarm("db-errors")); err != nil {
		t.Fatalf("PutMetricAlarm without tags: %v", err)
	}
	in := childAlarm("db-latency")
	in.Tags = tags("team", "db")
	_, err = user.PutMetricAlarm(ctx, in)
	wantCode(t, err, "AccessDeniedException", "")
	arn := "arn:aws:cloudwatch:us-east-1:" + ts.Root.AccountID + ":alarm:db-latency"
	if err == nil || !strings.Contains(err.Error(), "cloudwatch:TagResource on resource: "+arn) {
		t.Errorf("denial names %v", err)
	}
	if out, err := awscw.NewFromConfig(ts.RootConfig()).DescribeAlarms(ctx, &awscw.DescribeAlarmsInput{AlarmNames: []string{"db-latency"}}); err != nil || len(out.MetricAlarms) != 0 {
		t.Fatalf("the refused alarm: %+v, %v; want none", out, err)
	}
	in = childAlarm("web-latency")
	in.Tags = tags("team", "web")
	if _, err := user.PutMetricAlarm(ctx, in); err != nil {
		t.Fatalf("PutMetricAlarm with tags it may set: %v", err)
	}
}

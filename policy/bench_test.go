package policy_test

import (
	"testing"

	"github.com/trailwatch/trailwatch/policy"
)

// benchPolicies are three policies of five statements each, shaped like a
// working user's: service-wide reads, scoped writes, variables, conditions
// and a guard-rail deny.
var benchPolicies = []string{
	`{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadTrails","Effect":"Allow","Action":["cloudtrail:Describe*","cloudtrail:Get*","cloudtrail:List*","cloudtrail:LookupEvents"],"Resource":"*"},
		{"Sid":"ManageOwnTrail","Effect":"Allow","Action":["cloudtrail:StartLogging","cloudtrail:StopLogging","cloudtrail:UpdateTrail"],"Resource":"arn:aws:cloudtrail:*:${aws:PrincipalAccount}:trail/${aws:username}-*"},
		{"Sid":"ReadLogs","Effect":"Allow","Action":["logs:Describe*","logs:Get*","logs:FilterLogEvents","logs:StartQuery"],"Resource":"arn:aws:logs:*:*:log-group:*"},
		{"Sid":"WriteAppLogs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:eu-west-1:111122223333:log-group:app-*:*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Sid":"OwnKeys","Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}]}`,
	`{"Version":"2012-10-17","Statement":[
		{"Sid":"Metrics","Effect":"Allow","Action":["cloudwatch:PutMetricData","cloudwatch:GetMetricData","cloudwatch:ListMetrics"],"Resource":"*","Condition":{"StringLike":{"cloudwatch:namespace":["App/*","Custom/*"]}}},
		{"Sid":"Alarms","Effect":"Allow","Action":["cloudwatch:PutMetricAlarm","cloudwatch:DeleteAlarms","cloudwatch:DescribeAlarms"],"Resource":"arn:aws:cloudwatch:*:111122223333:alarm:team-*"},
		{"Sid":"Topics","Effect":"Allow","Action":["sns:Publish","sns:Subscribe"],"Resource":"arn:aws:sns:eu-west-1:111122223333:alerts-?"},
		{"Sid":"Office","Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]},"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"BusinessHours","Effect":"Allow","Action":"events:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`,
	`{"Version":"2012-10-17","Statement":[
		{"Sid":"NoTrailTampering","Effect":"Deny","Action":["cloudtrail:DeleteTrail","cloudtrail:StopLogging"],"Resource":"arn:aws:cloudtrail:*:*:trail/org-*"},
		{"Sid":"NoAuditLogDeletes","Effect":"Deny","Action":["logs:DeleteLogGroup","logs:DeleteLogStream","logs:PutRetentionPolicy"],"Resource":"arn:aws:logs:*:*:log-group:audit*"},
		{"Sid":"TLSOnly","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"Regions","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}},
		{"Sid":"NoIAMUsers","Effect":"Deny","Action":["iam:CreateUser","iam:DeleteUser","iam:PutUserPolicy"],"Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"admin*"}}}]}`,
}

func mustParseAll(tb testing.TB, docs []string) []*policy.Policy {
	tb.Helper()
	ps := make([]*policy.Policy, len(docs))
	for i, d := range docs {
		p, err := policy.Parse(d)
		if err != nil {
			tb.Fatalf("policy %d: %v", i, err)
		}
		ps[i] = p
	}
	return ps
}

func benchContext() map[string][]string {
	return map[string][]string{
		"aws:SourceIp":         {"203.0.113.9"},
		"aws:CurrentTime":      {"2025-03-04T10:11:12Z"},
		"aws:EpochTime":        {"1741083072"},
		"aws:SecureTransport":  {"true"},
		"aws:RequestedRegion":  {"eu-west-1"},
		"aws:username":         {"alice"},
		"aws:userid":           {"AIDAEXAMPLEALICE0001"},
		"aws:PrincipalAccount": {"111122223333"},
		"aws:PrincipalArn":     {"arn:aws:iam::111122223333:user/alice"},
		"aws:PrincipalType":    {"IAMUser"},
		"aws:UserAgent":        {"aws-cli/2.15.0 Python/3.11.6 Linux/6.1"},
	}
}

func TestBenchPolicies(t *testing.T) {
	ps := mustParseAll(t, benchPolicies)
	ctx := benchContext()
	tests := []struct {
		name     string
		action   string
		resource string
		want     policy.Decision
	}{
		{"own trail", "cloudtrail:UpdateTrail", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/alice-main", policy.Allow},
		{"audit log delete", "logs:DeleteLogGroup", "arn:aws:logs:eu-west-1:111122223333:log-group:audit", policy.ExplicitDeny},
		{"unlisted", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q", policy.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.Evaluate(ps, policy.Request{Action: tt.action, Resource: tt.resource, Context: ctx})
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkEvaluate decides requests for a user with three policies of five
// statements: one allowed late in the first policy, one denied by the last
// policy, and one matching nothing, which has to look at every statement.
func BenchmarkEvaluate(b *testing.B) {
	ps := mustParseAll(b, benchPolicies)
	ctx := benchContext()
	for _, bc := range []struct {
		name string
		req  policy.Request
	}{
		{"allow", policy.Request{Action: "cloudtrail:UpdateTrail", Resource: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/alice-main", Context: ctx}},
		{"deny", policy.Request{Action: "logs:DeleteLogGroup", Resource: "arn:aws:logs:eu-west-1:111122223333:log-group:audit", Context: ctx}},
		{"implicit", policy.Request{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:111122223333:q", Context: ctx}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				policy.Evaluate(ps, bc.req)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range benchPolicies {
			if _, err := policy.Parse(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

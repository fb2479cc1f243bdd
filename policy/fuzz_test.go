package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/trailwatch/trailwatch/policy"
)

// FuzzParse feeds arbitrary documents to Parse and evaluates whatever it
// accepts against arbitrary requests. Neither may panic, Parse must fail
// only with a *ParseError, and a decision must not depend on anything but
// its inputs.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:u*1:*:log-group:${aws:username, 'x'}*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","b?"]},"NumericLessThanIfExists":{"n":5},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"Null":{"x":"true"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"},"Bool":{"aws:SecureTransport":true},"BinaryEquals":{"b":"QQ=="}}}}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringNotEqualsIgnoreCase":{"k":"v"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[]}`,
		`not json`,
	}
	for _, s := range seeds {
		f.Add(s, "s3:GetObject", "arn:aws:s3:::b/alice/k", "aws:SourceIp", "10.1.2.3")
	}
	f.Add(seeds[2], "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:x", "aws:TagKeys", "a1")
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value string) {
		p, err := policy.Parse(doc)
		if err != nil {
			var pe *policy.ParseError
			if !errors.As(err, &pe) || p != nil {
				t.Fatalf("Parse = %v, %v; want nil and a *ParseError", p, err)
			}
			return
		}
		if p == nil {
			t.Fatal("Parse returned nil policy and nil error")
		}
		for _, fixed := range []string{"aws:username", "aws:CurrentTime", "aws:TagKeys", "aws:PrincipalArn", "aws:SecureTransport"} {
			if key != fixed && strings.EqualFold(key, fixed) {
				return // two spellings of one key: which one a lookup sees is unspecified
			}
		}
		req := policy.Request{
			Action:   action,
			Resource: resource,
			Context: map[string][]string{
				key:                   {value},
				"aws:username":        {value},
				"aws:CurrentTime":     {value},
				"aws:TagKeys":         {value, key},
				"aws:PrincipalArn":    {resource},
				"aws:SecureTransport": {"true"},
			},
		}
		d := policy.Evaluate([]*policy.Policy{p, nil, p}, req)
		if again := policy.Evaluate([]*policy.Policy{p}, req); again != d {
			t.Fatalf("decision changed from %v to %v", d, again)
		}
		if d < policy.ImplicitDeny || d > policy.ExplicitDeny {
			t.Fatalf("decision %d out of range", d)
		}
		if n := policy.NonWhitespaceLen(doc); n > len(doc) {
			t.Fatalf("NonWhitespaceLen = %d > len %d", n, len(doc))
		}
	})
}

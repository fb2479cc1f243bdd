package policy_test

import (
	"errors"
	"testing"

	"github.com/trailwatch/trailwatch/policy"
)

// stmt wraps statement JSON in a 2012-10-17 document.
func stmt(s string) string { return `{"Version":"2012-10-17","Statement":` + s + `}` }

const (
	okAction   = `"Action":"s3:ListBucket"`
	okResource = `"Resource":"arn:aws:s3:::example_bucket"`
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		msg  string
	}{
		// Syntax: anything outside the policy grammar.
		{"not json", `This is not a json document`, "Syntax errors in policy."},
		{"empty document", ``, "Syntax errors in policy."},
		{"trailing garbage", stmt(`{"Effect":"Allow",`+okAction+`,`+okResource+`}`) + `x`, "Syntax errors in policy."},
		{"array at top", `[]`, "Syntax errors in policy."},
		{"unknown version", `{"Version":"2013-10-17","Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `}}`, "Syntax errors in policy."},
		{"version not a string", `{"Version":2012,"Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `}}`, "Syntax errors in policy."},
		{"no statement", `{"Version":"2012-10-17"}`, "Syntax errors in policy."},
		{"empty statement list", stmt(`[]`), "Syntax errors in policy."},
		{"statement not an object", stmt(`["afd"]`), "Syntax errors in policy."},
		{"extra top-level field", `{"Version":"2012-10-17","Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `},"Extra field":"value"}`, "Syntax errors in policy."},
		{"extra statement field", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Extra field":"value"}`), "Syntax errors in policy."},
		{"id not a string", `{"Version":"2012-10-17","Id":["x"],"Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `}}`, "Syntax errors in policy."},
		{"missing effect", stmt(`{` + okAction + `,` + okResource + `}`), "Syntax errors in policy."},
		{"invalid effect", stmt(`{"Effect":"invalid",` + okAction + `,` + okResource + `}`), "Syntax errors in policy."},
		{"effect not a string", stmt(`{"Effect":true,` + okAction + `,` + okResource + `}`), "Syntax errors in policy."},
		{"resource object", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":{"a":"arn:aws:s3:::example_bucket"}}`), "Syntax errors in policy."},
		{"resource list with object", stmt(`{"Effect":"Deny",` + okAction + `,"Resource":["adfdf",{}]}`), "Syntax errors in policy."},
		{"action list of lists", stmt(`{"Effect":"Deny","Action":[[]],` + okResource + `}`), "Syntax errors in policy."},
		{"action object", stmt(`{"Effect":"Allow","Action":{},` + okResource + `}`), "Syntax errors in policy."},
		{"action and notaction", stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Action":"iam:dsf",` + okResource + `}`), "Syntax errors in policy."},
		{"resource and notresource", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"NotResource":"*"}`), "Syntax errors in policy."},
		{"condition list", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":[]}`), "Syntax errors in policy."},
		{"condition string", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":"a"}`), "Syntax errors in policy."},
		{"condition block not object", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateGreaterThan":"b"}}`), "Syntax errors in policy."},
		{"condition value object", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateGreaterThan":{"a":{}}}}`), "Syntax errors in policy."},
		{"condition value null", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"StringEquals":{"a":null}}}`), "Syntax errors in policy."},
		{"unknown condition operator", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"StringMatches":{"a":"1"}}}`), "Syntax errors in policy."},
		{"operator with doubled colon", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}}`), "Syntax errors in policy."},
		{"two set operators", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"ForAllValues:ForAnyValue:StringEquals":{"a":"b"}}}`), "Syntax errors in policy."},
		{"sid not a string", stmt(`{"Sid":{},"Effect":"Allow",` + okAction + `,` + okResource + `}`), "Syntax errors in policy."},

		// Identity policies name no principal.
		{"principal", stmt(`{"Effect":"Allow","Principal":"*",` + okAction + `,` + okResource + `}`), "Policy document should not specify a principal."},
		{"not principal", stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},` + okAction + `,` + okResource + `}`), "Policy document should not specify a principal."},
		{"principal in second statement", stmt(`[{"Effect":"Allow",` + okAction + `,` + okResource + `},{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]`), "Policy document should not specify a principal."},

		// Legacy parsing.
		{"effect in lower case", stmt(`{"Effect":"allow",` + okAction + `,` + okResource + `}`), "The policy failed legacy parsing"},
		{"effect in mixed case wins over duplicate sid", stmt(`[{"Sid":"sdf","Effect":"aLLow",` + okAction + `,` + okResource + `},{"Sid":"sdf","Effect":"Allow"}]`), "The policy failed legacy parsing"},
		{"date not a date", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), "The policy failed legacy parsing"},
		{"date checked before resource format", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:error:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), "The policy failed legacy parsing"},
		{"date month 13", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateLessThanEquals":{"a":"234-13"}}}`), "The policy failed legacy parsing"},
		{"date one-digit zone", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+1"}}}`), "The policy failed legacy parsing"},
		{"date ten fraction digits", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.1999999999+10:59"}}}`), "The policy failed legacy parsing"},
		{"epoch beyond int64", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateLessThan":{"a":"9223372036854775808"}}}`), "The policy failed legacy parsing"},
		{"date under set operator and ifexists", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"ForAnyValue:DateEqualsIfExists":{"a":["2020-01-01","never"]}}}`), "The policy failed legacy parsing"},
		{"date without actions", stmt(`{"Effect":"Allow","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), "The policy failed legacy parsing"},
		{"resource missing a part", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws:s3::example_bucket"}`), "The policy failed legacy parsing"},
		{"notresource missing a part", stmt(`{"Effect":"Allow",` + okAction + `,"NotResource":"arn:aws:s3::example_bucket"}`), "The policy failed legacy parsing"},
		{"resource with empty service", stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket"}`), "The policy failed legacy parsing"},
		{"short resource with empty service", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws::fdsasf"}`), "The policy failed legacy parsing"},

		// Statement IDs.
		{"duplicate sid", stmt(`[{"Sid":"sdf","Effect":"Allow",` + okAction + `,` + okResource + `},{"Sid":"sdf","Effect":"Allow"}]`), "Statement IDs (SID) in a single policy must be unique."},

		// Presence of actions and resources.
		{"no action", stmt(`{"Effect":"Allow",` + okResource + `}`), "Policy statement must contain actions."},
		{"empty action list", stmt(`{"Effect":"Allow","Action":[],` + okResource + `}`), "Policy statement must contain actions."},
		{"effect only", stmt(`{"Effect":"Allow"}`), "Policy statement must contain actions."},
		{"first statement without action", stmt(`[{"Effect":"Deny"},{"Effect":"Allow",` + okAction + `,` + okResource + `}]`), "Policy statement must contain actions."},
		{"no resource", stmt(`{"Effect":"Allow",` + okAction + `}`), "Policy statement must contain resources."},
		{"empty resource list", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":[]}`), "Policy statement must contain resources."},
		{"resources checked before action vendor", stmt(`{"Effect":"Allow","Action":"invalid"}`), "Policy statement must contain resources."},

		// Resource formats.
		{"resource not an arn", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"invalid resource"}`), `Resource invalid resource must be in ARN format or "*".`},
		{"resource empty", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":""}`), `Resource  must be in ARN format or "*".`},
		{"resource list entry not an arn", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":["adf"]}`), `Resource adf must be in ARN format or "*".`},
		{"resource format before action vendor", stmt(`{"Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf"}`), `Resource sdfsadf must be in ARN format or "*".`},
		{"partition only", stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}`), `Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".`},
		{"partition and service", stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf"}`), `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
		{"partition with long resource", stmt(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h"}`), `Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".`},
		{"arn prefix missing", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"aws:s3:::example_bucket"}`), `Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".`},
		{"other partition", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]}`), `Partition "error" is not valid for resource "arn:error:s3:::example_bucket".`},
		{"china partition", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws-cn:s3:::b"}`), `Partition "aws-cn" is not valid for resource "arn:aws-cn:s3:::b".`},
		{"no vendor", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws"}`), "Resource vendor must be fully qualified and cannot contain regexes."},
		{"iam resource type", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws:iam:::example_bucket"}`), `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
		{"iam region", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws:iam:us-east-1::example_bucket"}`), "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."},
		{"s3 region", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws:s3:us-east-1::example_bucket"}`), "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},

		// Action vendors.
		{"action without vendor", stmt(`{"Effect":"Allow","Action":"invalid",` + okResource + `}`), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"empty notaction", stmt(`{"Effect":"Allow","NotAction":"",` + okResource + `}`), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"vendor with space", stmt(`{"Effect":"Allow","Action":"a a:ListBucket",` + okResource + `}`), "Vendor a a is not valid"},
		{"vendor with wildcard", stmt(`{"Effect":"Allow","Action":"s3*:ListBucket",` + okResource + `}`), "Vendor s3* is not valid"},
		{"two colons", stmt(`{"Effect":"Allow","Action":"s3:List:Bucket",` + okResource + `}`), "Actions/Condition can contain only one colon."},
		{"two colons in second statement", stmt(`[{"Effect":"Allow","Action":"s3s:ListBucket",` + okResource + `},{"Effect":"Allow","Action":"s:3s:ListBucket",` + okResource + `}]`), "Actions/Condition can contain only one colon."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse(tt.doc)
			var pe *policy.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want *ParseError %q", p, err, tt.msg)
			}
			if pe.Msg != tt.msg {
				t.Errorf("Msg = %q, want %q", pe.Msg, tt.msg)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"statement object", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":["arn:aws:s3:::example_bucket"]}`)},
		{"statement list", stmt(`[{"Effect":"Allow",` + okAction + `,` + okResource + `}]`)},
		{"no version", `{"Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `}}`},
		{"version 2008", `{"Version":"2008-10-17","Statement":{"Effect":"Allow",` + okAction + `,` + okResource + `}}`},
		{"id", `{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket",` + okResource + `}}`},
		{"spaces in action name", stmt(`{"Effect":"Allow","Action":"iam: asdf safdsf af ",` + okResource + `}`)},
		{"star action", stmt(`{"Effect":"Allow","Action":"*",` + okResource + `}`)},
		{"vendor with dash and dot", stmt(`{"Effect":"Allow","Action":["s3-s:ListBucket","s3.s:ListBucket"],` + okResource + `}`)},
		{"unknown service resource", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":["arn:aws:s33:::example_bucket","arn:aws:fdsasf","arn:aws:invalid-service:us-east-1::x"]}`)},
		{"region for other services", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":["arn:aws:cloudwatch:us-east-1::example_bucket","arn:aws:ec2:us-east-1::example_bucket"]}`)},
		{"iam user resource", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:aws:iam:::user/example_bucket"}`)},
		{"iam star resource", stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:*"}`)},
		{"star partition", stmt(`{"Effect":"Allow",` + okAction + `,"Resource":"arn:*:s3:::example_bucket"}`)},
		{"variable with colon in account", stmt(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}`)},
		{"notaction notresource", stmt(`{"Effect":"Allow","NotAction":"s3:ListBucket","NotResource":"*"}`)},
		{"empty condition", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{}}`)},
		{"unknown operator with empty block", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"x":{},"y":{}}}`)},
		{"date operator with empty block", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateGreaterThan":{}}}`)},
		{"date with empty value list", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateGreaterThan":{"a":[]}}}`)},
		{"dates", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"DateLessThanEquals":{"a":["2019-07-01T13:20:15Z","2016-12-13T21:20:37.593194+00:00","2016-12-13t2:00:00.593194+23","-292275054","01T","1700000000"]}}}`)},
		{"set operators and ifexists", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"},"ForAnyValue:StringEqualsIfExists":{"a":"asf"},"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)},
		{"non-string condition values", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}`)},
		{"every operator", stmt(`{"Effect":"Allow",` + okAction + `,` + okResource + `,"Condition":{
			"StringEquals":{"k":"v"},"StringNotEquals":{"k":"v"},"StringEqualsIgnoreCase":{"k":"v"},"StringNotEqualsIgnoreCase":{"k":"v"},
			"StringLike":{"k":"v*"},"StringNotLike":{"k":"v*"},
			"NumericEquals":{"k":"1"},"NumericNotEquals":{"k":"1"},"NumericLessThan":{"k":"1"},"NumericLessThanEquals":{"k":"1"},"NumericGreaterThan":{"k":"1"},"NumericGreaterThanEquals":{"k":"1"},
			"DateEquals":{"k":"2020-01-01"},"DateNotEquals":{"k":"2020-01-01"},"DateLessThan":{"k":"2020-01-01"},"DateLessThanEquals":{"k":"2020-01-01"},"DateGreaterThan":{"k":"2020-01-01"},"DateGreaterThanEquals":{"k":"2020-01-01"},
			"Bool":{"k":"true"},"BinaryEquals":{"k":"QmluYXJ5"},"IpAddress":{"k":"10.0.0.0/8"},"NotIpAddress":{"k":"10.0.0.0/8"},
			"ArnEquals":{"k":"arn:aws:s3:::b"},"ArnLike":{"k":"arn:aws:s3:::b*"},"ArnNotEquals":{"k":"arn:aws:s3:::b"},"ArnNotLike":{"k":"arn:aws:s3:::b*"},
			"Null":{"k":"true"}}}`)},
		{"empty sids are not duplicates", stmt(`[{"Sid":"","Effect":"Allow","Action":"rds:*","Resource":["arn:aws:rds:region:*:*"]},{"Sid":"","Effect":"Allow","Action":["rds:Describe*"],"Resource":["*"]}]`)},
		{"whitespace around document", " \n" + stmt(`{"Effect":"Allow",`+okAction+`,`+okResource+`}`) + "\n\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := policy.Parse(tt.doc); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := policy.Parse(`{`)
	if got, want := err.Error(), "policy: malformed policy document: Syntax errors in policy."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestNonWhitespaceLen(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want int
	}{
		{"empty", "", 0},
		{"compact", `{"a":"b"}`, 9},
		{"indented", "{\n  \"a\" : \"b\"\n}\n", 9},
		{"tabs and carriage returns", "{\r\n\t\"a\":\t\"b\"\r\n}", 9},
		{"spaces inside strings count as whitespace", `{"a":"b c"}`, 10},
		{"latin-1 characters count once", `{"é":"ü"}`, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.NonWhitespaceLen(tt.doc); got != tt.want {
				t.Errorf("NonWhitespaceLen(%q) = %d, want %d", tt.doc, got, tt.want)
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[policy.Decision]string{
		policy.ImplicitDeny: "ImplicitDeny",
		policy.Allow:        "Allow",
		policy.ExplicitDeny: "ExplicitDeny",
		policy.Decision(7):  "Decision(7)",
	} {
		if got := d.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

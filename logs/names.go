package logs

import (
	"context"
	"errors"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// maxNameLength bounds log group and log stream names. The shapes leave the
// bound out of their tags because AWS answers it with errNameTooLong rather
// than the generic validation message.
const maxNameLength = 512

// javaLength counts s as AWS's length constraints do: UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// checkNames returns errNameTooLong if any of names is over 512 characters.
func checkNames(names ...string) error {
	for _, n := range names {
		if javaLength(n) > maxNameLength {
			return errNameTooLong()
		}
	}
	return nil
}

// caller returns the request's caller. A context without one is a wiring
// bug; the front door turns the plain error into InternalFailure.
func caller(ctx context.Context) (*trailwatch.Caller, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errors.New("logs: called without a caller")
	}
	return c, nil
}

// groupARN is a log group's ARN without the trailing ":*", the form
// DescribeLogGroups reports as logGroupArn and TagResource takes (§2).
func groupARN(region, account, group string) string {
	return "arn:" + trailwatch.Partition + ":logs:" + region + ":" + account + ":log-group:" + group
}

// streamARN is a log stream's ARN (§2).
func streamARN(region, account, group, stream string) string {
	return groupARN(region, account, group) + ":log-stream:" + stream
}

// Resource types for CloudTrail records.
const (
	typeLogGroup  = "AWS::Logs::LogGroup"
	typeLogStream = "AWS::Logs::LogStream"
)

// groupResource is what a log group operation is authorised against. AWS
// evaluates the older log group operations against the group's ARN
// followed by ":log-stream:" with an empty stream name, as its denial
// messages show ("… not authorized to perform: logs:CreateLogGroup on
// resource: arn:aws:logs:R:A:log-group:NAME:log-stream:"). That is why the
// policies everyone writes, "log-group:NAME:*", grant them; an empty name
// gives DescribeLogGroups' "log-group::log-stream:".
func groupResource(c *trailwatch.Caller, group string) []trailwatch.Resource {
	return []trailwatch.Resource{{ARN: streamARN(c.Region, c.AccountID, group, ""), AccountID: c.AccountID, Type: typeLogGroup, Name: group}}
}

// streamResource is what a log stream operation is authorised against:
// the stream's ARN.
func streamResource(c *trailwatch.Caller, group, stream string) []trailwatch.Resource {
	return []trailwatch.Resource{{ARN: streamARN(c.Region, c.AccountID, group, stream), AccountID: c.AccountID, Type: typeLogStream, Name: stream}}
}

// resources adapts a resource builder to awsapi.Def.Resources: nil without
// a caller (the handler then fails), the builder's answer otherwise.
func resources[I any](f func(c *trailwatch.Caller, in *I) []trailwatch.Resource) func(context.Context, *I) ([]trailwatch.Resource, error) {
	return func(ctx context.Context, in *I) ([]trailwatch.Resource, error) {
		c := trailwatch.CallerFromContext(ctx)
		if c == nil {
			return nil, nil
		}
		return f(c, in), nil
	}
}

// parseGroupARN returns the log group a log group ARN names, accepting
// the ARN with or without the trailing ":*". ok is false for anything else,
// including a log group of another account or region: those cannot be
// reached from here.
func parseGroupARN(c *trailwatch.Caller, s string) (group string, ok bool) {
	a, err := trailwatch.ParseARN(s)
	if err != nil || a.Service != "logs" || a.Region != c.Region || a.AccountID != c.AccountID {
		return "", false
	}
	name, found := strings.CutPrefix(a.Resource, "log-group:")
	if !found {
		return "", false
	}
	name = strings.TrimSuffix(name, ":*")
	if name == "" || strings.ContainsRune(name, ':') {
		return "", false
	}
	return name, true
}

// groupName resolves the logGroupName / logGroupIdentifier pair of the
// newer operations: exactly one must be given, and an identifier is a
// name or an ARN (§2). An ARN of a group the caller cannot reach resolves
// to errGroupNotFound, as a missing group would.
func groupName(c *trailwatch.Caller, name, identifier string) (string, *awserr.Error) {
	switch {
	case name != "" && identifier != "":
		return "", errNameAndIdentifier()
	case name != "":
		return name, nil
	case identifier == "":
		return "", errNoGroup()
	case strings.HasPrefix(identifier, "arn:"):
		g, ok := parseGroupARN(c, identifier)
		if !ok {
			return "", errGroupNotFound()
		}
		return g, nil
	}
	return identifier, nil
}

// identifierName is groupName for authorisation, which runs before the
// handler: the best name it can tell, "" when the input names none.
func identifierName(c *trailwatch.Caller, name, identifier string) string {
	g, err := groupName(c, name, identifier)
	if err != nil {
		return ""
	}
	return g
}

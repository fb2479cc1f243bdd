package logs

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Tagging (reference/cloudwatch-logs.md §3.9). Log groups are the only
// taggable resource trailwatch has; the newer operations name them by ARN,
// the older ones by name.

// maxTags is the number of tags a resource may carry.
const maxTags = 50

// Tag key and value rules from the TagKey and TagValue shapes. The shape
// tags cannot express constraints on map keys and values, so checkTags
// applies them with Coral's map wording.
const (
	tagKeyPattern   = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$`
	tagValuePattern = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
	maxTagKey       = 128
	maxTagValue     = 256
)

var (
	tagKeyRE   = regexp.MustCompile(tagKeyPattern)
	tagValueRE = regexp.MustCompile(tagValuePattern)
)

// TagResourceInput is TagResourceRequest.
type TagResourceInput struct {
	ResourceARN string            `json:"resourceArn" required:"true" min:"1" max:"1011" pattern:"[\\w+=/:,.@-]*"`
	Tags        map[string]string `json:"tags" required:"true" min:"1" max:"50"`
}

// TagResourceOutput is TagResource's (empty) result.
type TagResourceOutput struct{}

// UntagResourceInput is UntagResourceRequest.
type UntagResourceInput struct {
	ResourceARN string   `json:"resourceArn" required:"true" min:"1" max:"1011" pattern:"[\\w+=/:,.@-]*"`
	TagKeys     []string `json:"tagKeys" required:"true" max:"50" pattern:"^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$"`
}

// UntagResourceOutput is UntagResource's (empty) result.
type UntagResourceOutput struct{}

// ListTagsForResourceInput is ListTagsForResourceRequest.
type ListTagsForResourceInput struct {
	ResourceARN string `json:"resourceArn" required:"true" min:"1" max:"1011" pattern:"[\\w+=/:,.@-]*"`
}

// ListTagsForResourceOutput is ListTagsForResourceResponse; Tags is {}
// rather than absent for a resource without tags.
type ListTagsForResourceOutput struct {
	Tags map[string]string `json:"tags"`
}

// TagLogGroupInput is TagLogGroupRequest.
type TagLogGroupInput struct {
	LogGroupName string            `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	Tags         map[string]string `json:"tags" required:"true" min:"1" max:"50"`
}

// TagLogGroupOutput is TagLogGroup's (empty) result.
type TagLogGroupOutput struct{}

// UntagLogGroupInput is UntagLogGroupRequest; Tags lists tag keys.
type UntagLogGroupInput struct {
	LogGroupName string   `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	Tags         []string `json:"tags" required:"true" min:"1" pattern:"^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$"`
}

// UntagLogGroupOutput is UntagLogGroup's (empty) result.
type UntagLogGroupOutput struct{}

// ListTagsLogGroupInput is ListTagsLogGroupRequest.
type ListTagsLogGroupInput struct {
	LogGroupName string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
}

// ListTagsLogGroupOutput is ListTagsLogGroupResponse.
type ListTagsLogGroupOutput struct {
	Tags map[string]string `json:"tags"`
}

// arnResource is what the ARN-addressed tagging operations are authorised
// against: the ARN as given, which is the log group's ARN without ":*".
func arnResource(c *trailwatch.Caller, arn string) []trailwatch.Resource {
	r := trailwatch.Resource{ARN: arn, AccountID: c.AccountID, Type: typeLogGroup}
	if name, ok := parseGroupARN(c, arn); ok {
		r.Name = name
	}
	return []trailwatch.Resource{r}
}

// TagResource adds tags to a log group named by ARN, replacing the values
// of keys it already has. Errors: errResourceARN, errTooManyTags, tag
// violations.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, ok := parseGroupARN(c, in.ResourceARN)
	if !ok {
		return nil, errResourceARN()
	}
	if err := s.addTags(ctx, c, name, in.Tags); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a log group named by ARN; keys it does
// not have are ignored. Errors: errResourceARN.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, ok := parseGroupARN(c, in.ResourceARN)
	if !ok {
		return nil, errResourceARN()
	}
	if err := s.removeTags(ctx, c, name, in.TagKeys); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource returns a log group's tags. Errors: errResourceARN.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, ok := parseGroupARN(c, in.ResourceARN)
	if !ok {
		return nil, errResourceARN()
	}
	g, err := s.group(ctx, c, name)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: tagsOf(g)}, nil
}

// TagLogGroup is TagResource by group name. Errors: errGroupNotFound,
// errTooManyTags, tag violations.
func (s *Service) TagLogGroup(ctx context.Context, in *TagLogGroupInput) (*TagLogGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	if err := s.addTags(ctx, c, in.LogGroupName, in.Tags); err != nil {
		return nil, err
	}
	return &TagLogGroupOutput{}, nil
}

// UntagLogGroup is UntagResource by group name. Errors: errGroupNotFound.
func (s *Service) UntagLogGroup(ctx context.Context, in *UntagLogGroupInput) (*UntagLogGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	if err := s.removeTags(ctx, c, in.LogGroupName, in.Tags); err != nil {
		return nil, err
	}
	return &UntagLogGroupOutput{}, nil
}

// ListTagsLogGroup is ListTagsForResource by group name. Errors:
// errGroupNotFound.
func (s *Service) ListTagsLogGroup(ctx context.Context, in *ListTagsLogGroupInput) (*ListTagsLogGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	g, err := s.group(ctx, c, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return &ListTagsLogGroupOutput{Tags: tagsOf(g)}, nil
}

// tagsOf returns a copy of g's tags, never nil.
func tagsOf(g trailwatch.LogGroup) map[string]string {
	tags := make(map[string]string, len(g.Tags))
	maps.Copy(tags, g.Tags)
	return tags
}

func (s *Service) addTags(ctx context.Context, c *trailwatch.Caller, group string, tags map[string]string) error {
	if err := checkTags("tags", tags); err != nil {
		return err
	}
	return s.updateGroup(ctx, c, group, func(g *trailwatch.LogGroup) error {
		merged := tagsOf(*g)
		maps.Copy(merged, tags)
		if len(merged) > maxTags {
			return errTooManyTags()
		}
		g.Tags = merged
		return nil
	})
}

func (s *Service) removeTags(ctx context.Context, c *trailwatch.Caller, group string, keys []string) error {
	return s.updateGroup(ctx, c, group, func(g *trailwatch.LogGroup) error {
		kept := tagsOf(*g)
		for _, k := range keys {
			delete(kept, k)
		}
		g.Tags = kept
		return nil
	})
}

// checkTags applies the TagKey and TagValue rules to a tags map at path.
// Coral reports a map once for all its bad keys and once for all its bad
// values, listing the element shape's constraints:
//
//	Value '{k=v}' at 'tags' failed to satisfy constraint: Map keys must
//	satisfy constraint: [Member must have length less than or equal to
//	128, Member must have length greater than or equal to 1, Member must
//	satisfy regular expression pattern: ^(…)$]
func checkTags(path string, tags map[string]string) error {
	badKey, badValue := false, false
	for k, v := range tags {
		if n := javaLength(k); n < 1 || n > maxTagKey || !tagKeyRE.MatchString(k) {
			badKey = true
		}
		if javaLength(v) > maxTagValue || !tagValueRE.MatchString(v) {
			badValue = true
		}
	}
	if !badKey && !badValue {
		return nil
	}
	value := formatMap(tags)
	var vs []awsapi.Violation
	if badKey {
		vs = append(vs, awsapi.Violation{Path: path, Value: value, Constraint: "Map keys must satisfy constraint: [" +
			"Member must have length less than or equal to 128, Member must have length greater than or equal to 1, " +
			"Member must satisfy regular expression pattern: " + tagKeyPattern + "]"})
	}
	if badValue {
		vs = append(vs, awsapi.Violation{Path: path, Value: value, Constraint: "Map value must satisfy constraint: [" +
			"Member must have length less than or equal to 256, " +
			"Member must satisfy regular expression pattern: " + tagValuePattern + "]"})
	}
	return validationError(vs...)
}

// validationError is the InvalidParameterException for violations the
// shape tags cannot express, worded as the front door words the others.
func validationError(vs ...awsapi.Violation) *awserr.Error {
	return (&awsapi.ValidationError{Violations: vs}).AWSError(codeInvalidParameter)
}

// formatMap prints a map as Java's Map.toString does, keys sorted so the
// text is stable: {a=1, b=2}.
func formatMap(m map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

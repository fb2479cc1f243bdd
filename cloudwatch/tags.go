package cloudwatch

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Alarm tags (reference/cloudwatch-metrics.md §9.1, §9.2). Alarms are the
// only taggable CloudWatch resource trailwatch has: an ARN of a dashboard,
// metric stream or Contributor Insights rule, or of an alarm of another
// account or region, is answered as a missing resource.
//
// Tags live in the alarm's own record, so TagResource and UntagResource
// are one atomic storage.Alarms.UpdateAlarm each: concurrent calls on one
// alarm are serialised rather than refused, and ConcurrentModification-
// Exception, which AWS may answer instead, never occurs.

// maxAlarmTags is how many tags an alarm may carry (TagResource's
// documentation; PutMetricAlarm's and PutCompositeAlarm's Tags).
const maxAlarmTags = 50

// Tag is a resource tag. Value is a pointer because the model makes it
// required yet allows the empty string.
type Tag struct {
	Key   string  `json:"Key" required:"true" min:"1" max:"128"`
	Value *string `json:"Value" required:"true" max:"256"`
}

// tagRecord is a tag as the alarm record keeps it.
type tagRecord struct {
	Key   string
	Value string
}

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	ResourceARN string `json:"ResourceARN" required:"true" min:"1" max:"1024"`
	Tags        []Tag  `json:"Tags" required:"true"`
}

// TagResourceOutput is TagResource's (empty) result.
type TagResourceOutput struct{}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	ResourceARN string   `json:"ResourceARN" required:"true" min:"1" max:"1024"`
	TagKeys     []string `json:"TagKeys" required:"true"`
}

// UntagResourceOutput is UntagResource's (empty) result.
type UntagResourceOutput struct{}

// ListTagsForResourceInput is ListTagsForResource's request.
type ListTagsForResourceInput struct {
	ResourceARN string `json:"ResourceARN" required:"true" min:"1" max:"1024"`
}

// ListTagsForResourceOutput is ListTagsForResource's result; Tags is an
// empty list for an alarm without tags.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"Tags"`
}

// typeAlarm is CloudTrail's resource type for an alarm.
const typeAlarm = "AWS::CloudWatch::Alarm"

// tagResource is what the tagging operations are authorised against and
// record: the ARN as given, which for an alarm is the alarm's ARN.
func tagResource(ctx context.Context, arn string) ([]trailwatch.Resource, error) {
	r := trailwatch.Resource{ARN: arn, Type: typeAlarm}
	if c := trailwatch.CallerFromContext(ctx); c != nil {
		r.AccountID = c.AccountID
		if name, ok := alarmOfARN(c, arn); ok {
			r.Name = name
		}
	}
	return []trailwatch.Resource{r}, nil
}

// alarmResource is the alarm an alarm put names, for authorisation.
func alarmResource(ctx context.Context, name string) []trailwatch.Resource {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil
	}
	return []trailwatch.Resource{{ARN: alarmARN(c, name), AccountID: c.AccountID, Type: typeAlarm, Name: name}}
}

// tagging is what an alarm put with tags needs besides its own action:
// "To be able to associate tags with the alarm when you create the
// alarm, you must have the cloudwatch:TagResource permission" (API
// reference). An update ignores its tags, but AWS asks all the same.
func tagging(tags int) [][]string {
	if tags == 0 {
		return nil
	}
	return [][]string{{"cloudwatch:TagResource"}}
}

// alarmOfARN returns the alarm name an alarm ARN of the caller's account
// and region names.
func alarmOfARN(c *trailwatch.Caller, arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, alarmARN(c, ""))
	return name, ok && name != ""
}

// errTagTarget answers an ARN that names no alarm of the caller's. The
// code and status are the model's; the wording is unverified.
func errTagTarget(arn string) *awserr.Error {
	return awserr.New("ResourceNotFoundException", http.StatusNotFound, "The resource %s does not exist.", arn)
}

func errTooManyTags() *awserr.Error {
	// Wording unverified.
	return invalidValue("The number of tags must not exceed %d.", maxAlarmTags)
}

// checkTags applies what the shape tags cannot: the aws: prefix is
// reserved for AWS's own tags (the code is the model's only client error
// for TagResource; the wording is unverified), and at most 50 tags.
func checkTags(tags []Tag) error {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidValue("Invalid tag key %s: the aws: prefix is reserved for use by AWS.", t.Key)
		}
	}
	if len(tags) > maxAlarmTags {
		return errTooManyTags()
	}
	return nil
}

// mergeTags sets tags on have: a new key is appended, a key it already
// has takes the new value in place, as TagResource documents. A key given
// twice keeps its last value.
func mergeTags(have []tagRecord, tags []Tag) []tagRecord {
	out := append([]tagRecord(nil), have...)
	for _, t := range tags {
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		i := indexTag(out, t.Key)
		if i < 0 {
			out = append(out, tagRecord{Key: t.Key, Value: v})
		} else {
			out[i].Value = v
		}
	}
	return out
}

func indexTag(tags []tagRecord, key string) int {
	for i, t := range tags {
		if t.Key == key {
			return i
		}
	}
	return -1
}

// TagResource adds tags to an alarm named by ARN, replacing the values of
// keys it has. Errors: ResourceNotFoundException, InvalidParameterValue
// (aws: keys, more than 50 tags in all).
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.updateTags(ctx, in.ResourceARN, func(have []tagRecord) ([]tagRecord, error) {
		merged := mergeTags(have, in.Tags)
		if len(merged) > maxAlarmTags {
			return nil, errTooManyTags()
		}
		return merged, nil
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from an alarm named by ARN; keys it does not
// have are ignored. Errors: ResourceNotFoundException, ValidationError for
// a key outside 1–128 characters.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	// The shape tags check lengths of members, not of list elements.
	var vs []awsapi.Violation
	for i, k := range in.TagKeys {
		if n := len(utf16.Encode([]rune(k))); n < 1 || n > 128 {
			constraint := "Member must have length greater than or equal to 1"
			if n > 128 {
				constraint = "Member must have length less than or equal to 128"
			}
			vs = append(vs, awsapi.Violation{Path: "tagKeys." + strconv.Itoa(i+1) + ".member", Value: k, Constraint: constraint})
		}
	}
	if len(vs) > 0 {
		return nil, (&awsapi.ValidationError{Violations: vs}).AWSError("ValidationError")
	}
	err := s.updateTags(ctx, in.ResourceARN, func(have []tagRecord) ([]tagRecord, error) {
		var kept []tagRecord
		for _, t := range have {
			if !slices.Contains(in.TagKeys, t.Key) {
				kept = append(kept, t)
			}
		}
		return kept, nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource returns an alarm's tags in the order they were
// first set. Errors: ResourceNotFoundException.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	store, err := s.alarmStore()
	if err != nil {
		return nil, err
	}
	c := trailwatch.CallerFromContext(ctx)
	name, ok := alarmOfARN(c, in.ResourceARN)
	if !ok {
		return nil, errTagTarget(in.ResourceARN)
	}
	a, err := store.GetAlarm(ctx, c.AccountID, c.Region, name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errTagTarget(in.ResourceARN)
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeAlarm(a.Data)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceOutput{Tags: []Tag{}}
	for _, t := range rec.Tags {
		v := t.Value
		out.Tags = append(out.Tags, Tag{Key: t.Key, Value: &v})
	}
	return out, nil
}

// updateTags rewrites the tags of the alarm arn names, atomically.
func (s *Service) updateTags(ctx context.Context, arn string, fn func([]tagRecord) ([]tagRecord, error)) error {
	store, err := s.alarmStore()
	if err != nil {
		return err
	}
	c := trailwatch.CallerFromContext(ctx)
	name, ok := alarmOfARN(c, arn)
	if !ok {
		return errTagTarget(arn)
	}
	err = store.UpdateAlarm(ctx, c.AccountID, c.Region, name, func(data []byte) ([]byte, error) {
		rec, err := decodeAlarm(data)
		if err != nil {
			return nil, err
		}
		if rec.Tags, err = fn(rec.Tags); err != nil {
			return nil, err
		}
		return encodeAlarm(rec), nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return errTagTarget(arn)
	}
	if e := awserr.As(err); e != nil {
		// fn's refusal, returned through storage's wrapping.
		return e
	}
	return err
}

// createTags are the tags PutMetricAlarm and PutCompositeAlarm give a new
// alarm.
func createTags(tags []Tag) []tagRecord { return mergeTags(nil, tags) }

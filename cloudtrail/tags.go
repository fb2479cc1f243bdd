package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Trail tags (reference/cloudtrail.md §5.1, §5.2). Trails are the only
// taggable CloudTrail resource trailwatch has; event data stores, channels
// and dashboards named by ARN are reported as not found.

const (
	// maxTags is how many tags a trail may carry (TagsLimitExceeded).
	maxTags = 50
	// maxListTagsResources bounds ListTags' ResourceIdList.
	maxListTagsResources = 20
)

// Tag is the Tag shape. Value may be left out; an empty value breaks the
// model's minimum length.
type Tag struct {
	Key   string  `json:"Key" required:"true" min:"1" max:"128"`
	Value *string `json:"Value" min:"1" max:"256"`
}

// TagsInput is AddTagsRequest and RemoveTagsRequest.
type TagsInput struct {
	ResourceID string `json:"ResourceId"`
	TagsList   []Tag  `json:"TagsList" max:"200"`
}

// ListTagsInput is ListTagsRequest; NextToken is reserved by the model.
type ListTagsInput struct {
	ResourceIDList []string `json:"ResourceIdList"`
	NextToken      string   `json:"NextToken"`
}

// ListTagsOutput is ListTagsResponse.
type ListTagsOutput struct {
	ResourceTagList []ResourceTag `json:"ResourceTagList"`
	NextToken       string        `json:"NextToken"`
}

// ResourceTag is one resource's tags.
type ResourceTag struct {
	ResourceID string `json:"ResourceId"`
	TagsList   []Tag  `json:"TagsList"`
}

// mergeTags adds tags to have, replacing the values of keys it already
// has and keeping their places. Errors: InvalidTagParameterException for a
// key given twice or in the reserved aws: namespace, TagsLimitExceeded.
func mergeTags(have []trailwatch.Tag, tags []Tag) ([]trailwatch.Tag, *awserr.Error) {
	seen := map[string]bool{}
	out := append([]trailwatch.Tag(nil), have...)
	for _, t := range tags {
		if seen[t.Key] {
			return nil, ctError(codeInvalidTagParameter, "Tag key %s appears more than once in the request.", t.Key)
		}
		seen[t.Key] = true
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, ctError(codeInvalidTagParameter, "Tag keys starting with aws: are reserved for AWS use.")
		}
		i := indexTag(out, t.Key)
		if i < 0 {
			out = append(out, trailwatch.Tag{Key: t.Key})
			i = len(out) - 1
		}
		out[i].Value = t.Value
	}
	if len(out) > maxTags {
		return nil, ctError(codeTagsLimitExceeded, "The number of tags on the resource would exceed the limit of %d.", maxTags)
	}
	return out, nil
}

func indexTag(tags []trailwatch.Tag, key string) int {
	for i, t := range tags {
		if t.Key == key {
			return i
		}
	}
	return -1
}

func tagShapes(tags []trailwatch.Tag) []Tag {
	out := make([]Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// tagTarget finds the trail a tagging operation's ResourceId names. The
// ARN must be a CloudTrail ARN of the caller's region (observed:
// "Region in ARN is wrong"), except that reading tags reaches a shadow by
// its home region's ARN; changing them is for the home region only.
func (s *Service) tagTarget(ctx context.Context, c *trailwatch.Caller, id string, mode access) (trailwatch.Trail, error) {
	a, err := trailwatch.ParseARN(id)
	if err != nil || a.Service != "cloudtrail" || !isAccountID(a.AccountID) || a.Region == "" {
		return trailwatch.Trail{}, errTrailARN(id)
	}
	notFound := ctError(codeResourceNotFound, "Resource not found: %s", id)
	kind, name, _ := strings.Cut(a.Resource, "/")
	switch kind {
	case "trail":
	case "eventdatastore", "channel", "dashboard":
		return trailwatch.Trail{}, notFound
	default:
		return trailwatch.Trail{}, errTrailARN(id)
	}
	if e := checkTrailName(name); e != nil {
		return trailwatch.Trail{}, e
	}
	if a.AccountID != c.AccountID {
		return trailwatch.Trail{}, notFound
	}
	t, err := s.trails.GetTrail(ctx, a.AccountID, a.Region, name)
	switch {
	case errors.Is(err, storage.ErrNotFound) || err == nil && !t.VisibleIn(c.Region):
		if a.Region != c.Region {
			return t, errARNRegion(c.Region)
		}
		return t, notFound
	case err != nil:
		return t, fmt.Errorf("get trail: %w", err)
	case mode == write && t.HomeRegion != c.Region:
		return t, errHomeRegion(t.ARN(), t.HomeRegion)
	}
	return t, nil
}

// AddTags adds tags to a trail or replaces the values of keys it has.
func (s *Service) AddTags(ctx context.Context, in *TagsInput) (*EmptyOutput, error) {
	return s.changeTags(ctx, in, func(have []trailwatch.Tag) ([]trailwatch.Tag, *awserr.Error) {
		return mergeTags(have, in.TagsList)
	})
}

// RemoveTags removes tags by key; keys the trail does not have are
// ignored.
func (s *Service) RemoveTags(ctx context.Context, in *TagsInput) (*EmptyOutput, error) {
	return s.changeTags(ctx, in, func(have []trailwatch.Tag) ([]trailwatch.Tag, *awserr.Error) {
		out := []trailwatch.Tag{}
		for _, t := range have {
			if !containsKey(in.TagsList, t.Key) {
				out = append(out, t)
			}
		}
		return out, nil
	})
}

func containsKey(tags []Tag, key string) bool {
	for _, t := range tags {
		if t.Key == key {
			return true
		}
	}
	return false
}

func (s *Service) changeTags(ctx context.Context, in *TagsInput, change func([]trailwatch.Tag) ([]trailwatch.Tag, *awserr.Error)) (*EmptyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.TagsList == nil {
		return nil, ctError(codeInvalidTagParameter, "TagsList must be specified.")
	}
	t, err := s.tagTarget(ctx, c, in.ResourceID, write)
	if err != nil {
		return nil, err
	}
	err = s.updateTrail(ctx, c, in.ResourceID, t, func(t *trailwatch.Trail) error {
		tags, e := change(t.Tags)
		if e != nil {
			return e
		}
		t.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

// ListTags returns the tags of up to 20 trails, in the order named.
func (s *Service) ListTags(ctx context.Context, in *ListTagsInput) (*ListTagsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.ResourceIDList) == 0 || len(in.ResourceIDList) > maxListTagsResources {
		return nil, ctError(codeInvalidParameter, "ResourceIdList must name between 1 and %d resources.", maxListTagsResources)
	}
	out := &ListTagsOutput{ResourceTagList: []ResourceTag{}}
	for _, id := range in.ResourceIDList {
		t, err := s.tagTarget(ctx, c, id, read)
		if err != nil {
			return nil, err
		}
		out.ResourceTagList = append(out.ResourceTagList, ResourceTag{ResourceID: id, TagsList: tagShapes(t.Tags)})
	}
	return out, nil
}

// tagResources is what a tagging operation is authorised against: the
// ARNs it names, as given.
func tagResources(c *trailwatch.Caller, ids ...string) []trailwatch.Resource {
	out := make([]trailwatch.Resource, 0, len(ids))
	for _, id := range ids {
		r := trailwatch.Resource{ARN: id, AccountID: c.AccountID, Type: typeTrail}
		if a, err := trailwatch.ParseARN(id); err == nil {
			r.Name = strings.TrimPrefix(a.Resource, "trail/")
		}
		out = append(out, r)
	}
	return out
}

package logs_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/logs"
)

func TestTags(t *testing.T) {
	f := newFixture(t)
	must[logs.CreateLogGroupOutput](t, f, rootA, "CreateLogGroup", &logs.CreateLogGroupInput{LogGroupName: "g", Tags: map[string]string{"env": "testing1"}})
	arn := "arn:aws:logs:us-east-1:111122223333:log-group:g"
	list := func() map[string]string {
		a := must[logs.ListTagsForResourceOutput](t, f, rootA, "ListTagsForResource", &logs.ListTagsForResourceInput{ResourceARN: arn})
		b := must[logs.ListTagsLogGroupOutput](t, f, rootA, "ListTagsLogGroup", &logs.ListTagsLogGroupInput{LogGroupName: "g"})
		if diff := cmp.Diff(a.Tags, b.Tags); diff != "" {
			t.Errorf("ListTagsForResource and ListTagsLogGroup differ (-resource +group):\n%s", diff)
		}
		return a.Tags
	}
	// The sequence of a recording against AWS (§3.9).
	must[logs.TagResourceOutput](t, f, rootA, "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"test1": "val1", "test2": "val2"}})
	if diff := cmp.Diff(map[string]string{"env": "testing1", "test1": "val1", "test2": "val2"}, list()); diff != "" {
		t.Errorf("after TagResource (-want +got):\n%s", diff)
	}
	must[logs.TagLogGroupOutput](t, f, rootA, "TagLogGroup", &logs.TagLogGroupInput{LogGroupName: "g", Tags: map[string]string{"test3": "val3", "env": "testing1"}})
	if diff := cmp.Diff(map[string]string{"env": "testing1", "test1": "val1", "test2": "val2", "test3": "val3"}, list()); diff != "" {
		t.Errorf("after TagLogGroup (-want +got):\n%s", diff)
	}
	must[logs.UntagResourceOutput](t, f, rootA, "UntagResource", &logs.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env", "test1", "absent"}})
	must[logs.UntagLogGroupOutput](t, f, rootA, "UntagLogGroup", &logs.UntagLogGroupInput{LogGroupName: "g", Tags: []string{"test3"}})
	if diff := cmp.Diff(map[string]string{"test2": "val2"}, list()); diff != "" {
		t.Errorf("after untagging (-want +got):\n%s", diff)
	}
	must[logs.UntagResourceOutput](t, f, rootA, "UntagResource", &logs.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"test2"}})
	if got := list(); got == nil || len(got) != 0 {
		t.Errorf("tags %v, want an empty, non-nil map", got)
	}

	// 50 tags fit; the 51st is refused and nothing changes.
	must[logs.TagResourceOutput](t, f, rootA, "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: manyTags(50)})
	_, err := do[logs.TagResourceOutput](f, rootA, "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"one-more": "v"}})
	wantError(t, err, "TooManyTagsException", "A resource can have no more than 50 tags.")
	_, err = do[logs.TagLogGroupOutput](f, rootA, "TagLogGroup", &logs.TagLogGroupInput{LogGroupName: "g", Tags: map[string]string{"one-more": "v"}})
	wantError(t, err, "TooManyTagsException", "")
	if n := len(list()); n != 50 {
		t.Errorf("%d tags, want 50", n)
	}
	// Replacing a value of an existing key does not add a tag.
	must[logs.TagResourceOutput](t, f, rootA, "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"k00": "new"}})

	tests := []struct {
		name      string
		op        string
		in        any
		code, msg string
	}{
		{"missing group by ARN", "ListTagsForResource", &logs.ListTagsForResourceInput{ResourceARN: arn + "x"}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"missing group by name", "TagLogGroup", &logs.TagLogGroupInput{LogGroupName: "nope", Tags: map[string]string{"a": "b"}}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"another account's group", "TagResource", &logs.TagResourceInput{ResourceARN: "arn:aws:logs:us-east-1:444455556666:log-group:g", Tags: map[string]string{"a": "b"}}, "ResourceNotFoundException", ""},
		{"another region's group", "ListTagsForResource", &logs.ListTagsForResourceInput{ResourceARN: "arn:aws:logs:us-west-2:111122223333:log-group:g"}, "ResourceNotFoundException", ""},
		{"a destination", "ListTagsForResource", &logs.ListTagsForResourceInput{ResourceARN: "arn:aws:logs:us-east-1:111122223333:destination:d"}, "ResourceNotFoundException", ""},
		{"bad tag value", "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"k": "a!"}}, "InvalidParameterException",
			`1 validation error detected: Value '{k=a!}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$]`},
		{"no tags", "TagResource", &logs.TagResourceInput{ResourceARN: arn, Tags: map[string]string{}}, "InvalidParameterException",
			"1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"bad untag key", "UntagLogGroup", &logs.UntagLogGroupInput{LogGroupName: "g", Tags: []string{"a!"}}, "InvalidParameterException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch in := tt.in.(type) {
			case *logs.ListTagsForResourceInput:
				_, err = do[logs.ListTagsForResourceOutput](f, rootA, tt.op, in)
			case *logs.TagResourceInput:
				_, err = do[logs.TagResourceOutput](f, rootA, tt.op, in)
			case *logs.TagLogGroupInput:
				_, err = do[logs.TagLogGroupOutput](f, rootA, tt.op, in)
			case *logs.UntagLogGroupInput:
				_, err = do[logs.UntagLogGroupOutput](f, rootA, tt.op, in)
			}
			wantError(t, err, tt.code, tt.msg)
		})
	}
}

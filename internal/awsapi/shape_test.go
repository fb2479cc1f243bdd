package awsapi_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Mirrors of IAM and CloudTrail shapes, constraints copied from the botocore
// models (iam 2010-05-08, cloudtrail 2013-11-01).

type tag struct {
	Key   string `json:"Key" required:"true" min:"1" max:"128" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"`
	Value string `json:"Value" max:"256" pattern:"[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"`
}

type createUserInput struct {
	Path                *string `json:"Path" min:"1" max:"512" pattern:"(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"`
	UserName            string  `json:"UserName" required:"true" min:"1" max:"64" pattern:"[\\w+=,.@-]+"`
	PermissionsBoundary *string `json:"PermissionsBoundary" min:"20" max:"2048"`
	Tags                []tag   `json:"Tags" max:"50"`
}

type lookupAttribute struct {
	AttributeKey   string `json:"AttributeKey" required:"true" enum:"EventId|EventName|ReadOnly|Username|ResourceType|ResourceName|EventSource|AccessKeyId"`
	AttributeValue string `json:"AttributeValue" required:"true" min:"1" max:"2000"`
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	StartTime        *time.Time        `json:"StartTime"`
	EndTime          *time.Time        `json:"EndTime"`
	EventCategory    *string           `json:"EventCategory" enum:"insight"`
	MaxResults       *int32            `json:"MaxResults" min:"1" max:"50"`
	NextToken        *string           `json:"NextToken"`
}

type accessKey struct {
	UserName        string     `json:"UserName" required:"true"`
	AccessKeyID     string     `json:"AccessKeyId" required:"true"`
	Status          string     `json:"Status" required:"true" enum:"Active|Inactive|Expired"`
	SecretAccessKey string     `json:"SecretAccessKey" required:"true" sensitive:"true"`
	CreateDate      *time.Time `json:"CreateDate"`
}

type createAccessKeyOutput struct {
	AccessKey *accessKey `json:"AccessKey" required:"true"`
}

type loginProfileInput struct {
	UserName string `json:"UserName" required:"true"`
	Password string `json:"Password" required:"true" min:"1" max:"128" sensitive:"true"`
}

type user struct {
	Path       string     `json:"Path"`
	UserName   string     `json:"UserName"`
	UserID     string     `json:"UserId"`
	Arn        string     `json:"Arn"`
	CreateDate time.Time  `json:"CreateDate"`
	LastUsed   *time.Time `json:"PasswordLastUsed"`
	Tags       []tag      `json:"Tags"`
}

type createUserOutput struct {
	User *user `json:"User"`
}

type kitchenSink struct {
	S        string            `json:"S"`
	B        *bool             `json:"B"`
	I32      int32             `json:"I32" min:"-5" max:"5"`
	I64      *int64            `json:"I64"`
	F        *float64          `json:"F" min:"0.5" max:"1.5"`
	T        time.Time         `json:"T"`
	Blob     []byte            `json:"Blob" max:"3"`
	Names    []string          `json:"Names" min:"1" enum:"a|b"`
	Attrs    map[string]string `json:"Attrs" max:"1"`
	Nested   map[string]tag    `json:"Nested"`
	Skipped  string            `json:"-"`
	unexport string
}

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string // "" for valid
	}{
		{"valid user", &createUserInput{UserName: "alice", Path: ptr("/ops/")}, ""},
		{"missing required", &createUserInput{}, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{
			"pattern and length",
			&createUserInput{UserName: "x y", Path: ptr("ops")},
			"2 validation errors detected: Value 'ops' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
		},
		{
			"too long",
			&createUserInput{UserName: strings.Repeat("a", 65)},
			"1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
		},
		{
			"empty pointer string breaks min and pattern",
			&createUserInput{UserName: "a", Path: ptr("")},
			"2 validation errors detected: Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
		},
		{
			"nested list element",
			&lookupEventsInput{LookupAttributes: []lookupAttribute{{AttributeKey: "EventName", AttributeValue: "x"}, {AttributeKey: "Bogus"}}},
			"2 validation errors detected: Value 'Bogus' at 'lookupAttributes.2.member.attributeKey' failed to satisfy constraint: Member must satisfy enum value set: [EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId]; Value null at 'lookupAttributes.2.member.attributeValue' failed to satisfy constraint: Member must not be null",
		},
		{
			"value range",
			&lookupEventsInput{MaxResults: ptr(int32(100))},
			"1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
		},
		{
			"value below",
			&lookupEventsInput{MaxResults: ptr(int32(0)), EventCategory: ptr("Insight")},
			"2 validation errors detected: Value 'Insight' at 'eventCategory' failed to satisfy constraint: Member must satisfy enum value set: [insight]; Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			"nil nested required struct",
			&createAccessKeyOutput{},
			"1 validation error detected: Value null at 'accessKey' failed to satisfy constraint: Member must not be null",
		},
		{
			"sensitive value left out",
			&loginProfileInput{UserName: "bob", Password: strings.Repeat("p", 129)},
			"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128",
		},
		{
			"list length of structures prints class and hash",
			&createUserInput{UserName: "a", Tags: make([]tag, 51)},
			"", // checked separately below: the hash is content-derived
		},
		{
			"kitchen sink",
			&kitchenSink{I32: -6, F: ptr(2.0), Blob: []byte("abcd"), Names: []string{"a", "c"}, Attrs: map[string]string{"x": "1", "y": "2"}},
			"5 validation errors detected: Value '-6' at 'i32' failed to satisfy constraint: Member must have value greater than or equal to -5; " +
				"Value '2.0' at 'f' failed to satisfy constraint: Member must have value less than or equal to 1.5; " +
				"Value 'java.nio.HeapByteBuffer[pos=0 lim=4 cap=4]' at 'blob' failed to satisfy constraint: Member must have length less than or equal to 3; " +
				"Value 'c' at 'names.2.member' failed to satisfy constraint: Member must satisfy enum value set: [a, b]; " +
				"Value '{x=1, y=2}' at 'attrs' failed to satisfy constraint: Member must have length less than or equal to 1",
		},
		{
			"empty list breaks min",
			&kitchenSink{Names: []string{}},
			"1 validation error detected: Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			"map of structures",
			&kitchenSink{Nested: map[string]tag{"k": {}}},
			"1 validation error detected: Value null at 'nested.k.key' failed to satisfy constraint: Member must not be null",
		},
		{"nil input", (*createUserInput)(nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := awsapi.Validate(tt.in)
			if tt.name == "list length of structures prints class and hash" {
				var ve *awsapi.ValidationError
				if !errors.As(err, &ve) || len(ve.Violations) != 52 {
					t.Fatalf("got %v, want 52 violations (list too long, 51 null keys)", err)
				}
				v := ve.Violations[0]
				if v.Path != "tags" || !strings.HasPrefix(v.Value, "[tag@") || v.Constraint != "Member must have length less than or equal to 50" {
					t.Errorf("got %+v", v)
				}
				return
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidationErrorAWSError(t *testing.T) {
	err := awsapi.Validate(&createUserInput{})
	var ve *awsapi.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T, want *ValidationError", err)
	}
	got := ve.AWSError("ValidationError")
	want := &awserr.Error{Code: "ValidationError", Message: err.Error(), Status: http.StatusBadRequest}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestValidateRejectsNonShapes(t *testing.T) {
	for _, in := range []any{42, &struct{ C chan int }{}} {
		err := awsapi.Validate(in)
		var ve *awsapi.ValidationError
		if err == nil || errors.As(err, &ve) {
			t.Errorf("Validate(%T) = %v, want a plain error", in, err)
		}
	}
}

func TestRecordJSON(t *testing.T) {
	created := time.Date(2024, 10, 22, 15, 21, 35, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want string // "" means nil
	}{
		{"nil", (*createUserInput)(nil), ""},
		{"untyped nil", nil, ""},
		{"no members set", &lookupEventsInput{}, ""},
		{"request", &createUserInput{UserName: "glitch"}, `{"userName":"glitch"}`},
		{"empty list kept", &createUserInput{UserName: "a", Tags: []tag{}}, `{"userName":"a","tags":[]}`},
		{
			"response in field order, timestamp as CloudTrail prints it",
			&createUserOutput{User: &user{Path: "/", UserName: "glitch", UserID: "AIDAXRMKYT5O7SKYSEJBQ", Arn: "arn:aws:iam::518371450717:user/glitch", CreateDate: created}},
			`{"user":{"path":"/","userName":"glitch","userId":"AIDAXRMKYT5O7SKYSEJBQ","arn":"arn:aws:iam::518371450717:user/glitch","createDate":"Oct 22, 2024 3:21:35 PM"}}`,
		},
		{
			"sensitive left out",
			&createAccessKeyOutput{AccessKey: &accessKey{UserName: "bob", AccessKeyID: "AKIAEXAMPLE", Status: "Active", SecretAccessKey: "s3cr3t", CreateDate: ptr(created.In(time.FixedZone("x", 3600)))}},
			`{"accessKey":{"userName":"bob","accessKeyId":"AKIAEXAMPLE","status":"Active","createDate":"Oct 22, 2024 3:21:35 PM"}}`,
		},
		{
			"lists of structures and timestamps",
			&lookupEventsInput{LookupAttributes: []lookupAttribute{{"EventName", "ConsoleLogin"}}, StartTime: ptr(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)), MaxResults: ptr(int32(5))},
			`{"lookupAttributes":[{"attributeKey":"EventName","attributeValue":"ConsoleLogin"}],"startTime":"Jan 15, 2024 12:00:00 AM","maxResults":5}`,
		},
		{
			"all kinds",
			&kitchenSink{S: "q\"\n<&>\u2028", B: ptr(false), I32: 3, I64: ptr(int64(0)), F: ptr(1.25), T: created, Blob: []byte{0xff}, Names: []string{"a"}, Attrs: map[string]string{"z": "1", "a": "2"}, Skipped: "x"},
			`{"s":"q\"\n<&>\u2028","b":false,"i32":3,"i64":0,"f":1.25,"t":"Oct 22, 2024 3:21:35 PM","blob":"/w==","names":["a"],"attrs":{"a":"2","z":"1"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := awsapi.RecordJSON(tt.in)
			if tt.want == "" {
				if got != nil {
					t.Errorf("got %s, want nil", got)
				}
				return
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestShapeOf(t *testing.T) {
	s, err := awsapi.ShapeOf(reflect.TypeFor[*kitchenSink]())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range s.Members {
		names = append(names, m.Name+":"+m.Type.Kind.String())
	}
	want := []string{"S:string", "B:boolean", "I32:integer", "I64:integer", "F:double", "T:timestamp", "Blob:blob", "Names:list", "Attrs:map", "Nested:map"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if s.Member("Skipped") != nil || s.Member("unexport") != nil || s.Member("s") != nil {
		t.Error("skipped, unexported or wrongly cased members were found")
	}
	again, _ := awsapi.ShapeOf(reflect.TypeFor[kitchenSink]())
	if again != s {
		t.Error("shape not cached")
	}
}

type recursive struct {
	Name     string       `json:"Name"`
	Children []*recursive `json:"Children"`
}

func TestShapeOfRecursive(t *testing.T) {
	s, err := awsapi.ShapeOf(reflect.TypeFor[recursive]())
	if err != nil {
		t.Fatal(err)
	}
	if s.Member("Children").Type.Elem.Shape != s {
		t.Error("recursive shape does not refer to itself")
	}
	in := &recursive{Name: "a", Children: []*recursive{{Name: "b"}, nil}}
	if got := string(awsapi.RecordJSON(in)); got != `{"name":"a","children":[{"name":"b"},null]}` {
		t.Errorf("got %s", got)
	}
}

func TestShapeOfErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"not a struct", reflect.TypeFor[int](), "is not a struct"},
		{"channel", reflect.TypeFor[struct{ C chan int }](), "cannot be a shape member"},
		{"int map key", reflect.TypeFor[struct{ M map[int]string }](), "map keys must be strings"},
		{"pointer to slice", reflect.TypeFor[struct{ L *[]string }](), "pointers to slices"},
		{"min on bool", reflect.TypeFor[struct {
			B bool `min:"1"`
		}](), "min/max on a boolean"},
		{"bad bound", reflect.TypeFor[struct {
			S string `max:"x"`
		}](), "max tag"},
		{"pattern on int", reflect.TypeFor[struct {
			I int `pattern:"x"`
		}](), "pattern on a integer"},
		{"bad pattern", reflect.TypeFor[struct {
			S string `pattern:"("`
		}](), "pattern \"(\""},
		{"duplicate", reflect.TypeFor[struct {
			A string `json:"X"`
			X string
		}](), "appears twice"},
		{"embedded", reflect.TypeFor[struct{ tag }](), ""}, // unexported embedded: skipped
		{"nested bad", reflect.TypeFor[struct{ In struct{ F float32 } }](), "float32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := awsapi.ShapeOf(tt.typ)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want error containing %q", err, tt.want)
			}
		})
	}
}

type Exported struct{ X string }

func TestShapeOfEmbeddedExported(t *testing.T) {
	_, err := awsapi.ShapeOf(reflect.TypeFor[struct{ Exported }]())
	if err == nil || !strings.Contains(err.Error(), "embedded") {
		t.Errorf("got %v, want embedded-field error", err)
	}
}

func TestShapeOfConcurrent(t *testing.T) {
	type fresh struct {
		A []struct {
			B map[string]*time.Time
		}
	}
	var wg sync.WaitGroup
	got := make([]*awsapi.Shape, 8)
	for i := range got {
		wg.Go(func() { got[i] = awsapi.MustShapeOf(reflect.TypeFor[fresh]()) })
	}
	wg.Wait()
	for _, s := range got {
		if s != got[0] {
			t.Fatal("concurrent ShapeOf built two shapes for one type")
		}
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		pattern string
		in      string
		want    bool
	}{
		{`[\w+=,.@-]+`, "alice@example.com", true},
		{`[\w+=,.@-]+`, "x y", false},
		{`[\w+=,.@-]+`, "", false},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/a/b/", true},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, "/a", false},
		{`abc`, "xabcx", false}, // whole value
		{`\\u0041`, `\u0041`, true},
		{`\\u0041`, "A", false},
		// Java reads \u10000 as \u1000 then 0 (STS arnType).
		{`[\u0020-\u007E\u10000-\u10FFFF]+`, "arn:aws:iam::1:root", true},
		{`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, "Ünïcode tag-1", true},
	}
	for _, tt := range tests {
		re, err := awsapi.CompilePattern(tt.pattern)
		if err != nil {
			t.Errorf("CompilePattern(%q): %v", tt.pattern, err)
			continue
		}
		if got := re.MatchString(tt.in); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.in, got, tt.want)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"UserName": "userName", "trailNameList": "trailNameList", "": "", "ÄB": "äB", "ARN": "aRN"} {
		if got := awsapi.LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	in := &lookupEventsInput{LookupAttributes: []lookupAttribute{{"EventName", "ConsoleLogin"}}, MaxResults: ptr(int32(5))}
	for b.Loop() {
		if err := awsapi.Validate(in); err != nil {
			b.Fatal(err)
		}
	}
}

type formats struct {
	Times   []time.Time `json:"Times" max:"0"`
	Ptrs    []*string   `json:"Ptrs" max:"0"`
	Big     *float64    `json:"Big" max:"0"`
	Small   *float64    `json:"Small" min:"1"`
	Emoji   string      `json:"Emoji" max:"1"`
	Structs []*tag      `json:"Structs" max:"0"`
	Words   []*string   `json:"Words" pattern:"[a-z]+"`
}

// TestValidateValueFormats checks values print as Java's toString does.
func TestValidateValueFormats(t *testing.T) {
	in := &formats{
		Times: []time.Time{time.Date(2024, 1, 15, 9, 0, 0, 0, time.FixedZone("CET", 3600))},
		Ptrs:  []*string{ptr("a"), nil}, Big: ptr(1.5e7), Small: ptr(0.0001), Emoji: "😀",
		Structs: []*tag{nil}, Words: []*string{ptr("ok"), nil, ptr("NO")},
	}
	err := awsapi.Validate(in)
	var ve *awsapi.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, v := range ve.Violations {
		got = append(got, v.Path+" "+v.Value)
	}
	want := []string{
		"times [Mon Jan 15 08:00:00 UTC 2024]",
		"ptrs [a, null]",
		"big 1.5E7",
		"small 1.0E-4",
		"emoji 😀", // two UTF-16 code units, as Java counts
		"structs [null]",
		"words.3.member NO",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRecordJSONEscapes(t *testing.T) {
	got := string(awsapi.RecordJSON(&kitchenSink{S: "\t\r\x01\xff\\\u2029"}))
	if want := `{"s":"\t\r\u0001\ufffd\\\u2029"}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

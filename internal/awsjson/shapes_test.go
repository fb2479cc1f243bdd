package awsjson_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// Mirrors of CloudTrail shapes (botocore cloudtrail 2013-11-01).

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

type resource struct {
	ResourceType *string `json:"ResourceType"`
	ResourceName *string `json:"ResourceName"`
}

type event struct {
	EventID         *string    `json:"EventId"`
	EventName       *string    `json:"EventName"`
	ReadOnly        *string    `json:"ReadOnly"`
	AccessKeyID     *string    `json:"AccessKeyId"`
	EventTime       *time.Time `json:"EventTime"`
	EventSource     *string    `json:"EventSource"`
	Username        *string    `json:"Username"`
	Resources       []resource `json:"Resources"`
	CloudTrailEvent *string    `json:"CloudTrailEvent"`
}

type lookupEventsOutput struct {
	Events    []event `json:"Events"`
	NextToken *string `json:"NextToken"`
}

type describeTrailsInput struct {
	TrailNameList       []string `json:"trailNameList"`
	IncludeShadowTrails *bool    `json:"includeShadowTrails"`
}

// everything has one member of every kind the codec knows.
type everything struct {
	S      *string            `json:"S"`
	Plain  string             `json:"Plain"`
	B      *bool              `json:"B"`
	I32    *int32             `json:"I32"`
	I64    *int64             `json:"I64"`
	I      int                `json:"I"`
	F      *float64           `json:"F"`
	T      *time.Time         `json:"T"`
	Blob   []byte             `json:"Blob"`
	List   []string           `json:"List"`
	Ptrs   []*string          `json:"Ptrs"`
	Map    map[string]int64   `json:"Map"`
	Nested *everything        `json:"Nested"`
	Objs   map[string]*nested `json:"Objs"`
	Lists  [][]int32          `json:"Lists"`
}

type nested struct {
	Name string `json:"Name"`
}

func ptr[T any](v T) *T { return &v }

// mustGolden compares got with testdata/name, or rewrites it with -update.
func mustGolden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		tb.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}

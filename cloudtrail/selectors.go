package cloudtrail

import (
	"context"
	"regexp"
	"slices"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
)

// Event selectors (reference/cloudtrail.md §5.3). A trail has basic
// selectors or advanced ones, never both: PutEventSelectors with one kind
// replaces the other.

// Limits from the model's documentation and the CloudTrail quotas.
const (
	maxEventSelectors      = 5
	maxDataResources       = 250
	maxAdvancedValues      = 500
	maxOperatorValueLength = 2048
)

// EventSelector is the EventSelector shape; output fields are pointers and
// non-nil slices so that GetEventSelectors writes every member, as AWS does.
type EventSelector struct {
	ReadWriteType                 *string        `json:"ReadWriteType"`
	IncludeManagementEvents       *bool          `json:"IncludeManagementEvents"`
	DataResources                 []DataResource `json:"DataResources"`
	ExcludeManagementEventSources []string       `json:"ExcludeManagementEventSources"`
}

// DataResource is the DataResource shape.
type DataResource struct {
	Type   *string  `json:"Type"`
	Values []string `json:"Values"`
}

// AdvancedEventSelector is the AdvancedEventSelector shape.
type AdvancedEventSelector struct {
	Name           *string                 `json:"Name" max:"1000"`
	FieldSelectors []AdvancedFieldSelector `json:"FieldSelectors" required:"true" min:"1"`
}

// AdvancedFieldSelector is the AdvancedFieldSelector shape. The operator
// lists' element bounds (1–2048 characters) cannot be tags on a list; the
// pattern covers the lower one and checkAdvanced the upper.
type AdvancedFieldSelector struct {
	Field         string   `json:"Field" required:"true" min:"1" max:"1000" pattern:"[\\w|\\d|\\.|_]+"`
	Equals        []string `json:"Equals" min:"1" pattern:".+"`
	StartsWith    []string `json:"StartsWith" min:"1" pattern:".+"`
	EndsWith      []string `json:"EndsWith" min:"1" pattern:".+"`
	NotEquals     []string `json:"NotEquals" min:"1" pattern:".+"`
	NotStartsWith []string `json:"NotStartsWith" min:"1" pattern:".+"`
	NotEndsWith   []string `json:"NotEndsWith" min:"1" pattern:".+"`
}

// PutEventSelectorsInput is PutEventSelectorsRequest.
type PutEventSelectorsInput struct {
	TrailName              string                  `json:"TrailName"`
	EventSelectors         []EventSelector         `json:"EventSelectors"`
	AdvancedEventSelectors []AdvancedEventSelector `json:"AdvancedEventSelectors"`
}

// GetEventSelectorsInput is GetEventSelectorsRequest.
type GetEventSelectorsInput struct {
	TrailName string `json:"TrailName"`
}

// EventSelectorsOutput is PutEventSelectorsResponse and
// GetEventSelectorsResponse: the trail's ARN and the kind of selectors it
// has.
type EventSelectorsOutput struct {
	TrailARN               string                  `json:"TrailARN"`
	EventSelectors         []EventSelector         `json:"EventSelectors"`
	AdvancedEventSelectors []AdvancedEventSelector `json:"AdvancedEventSelectors"`
}

// Basic selector vocabulary (BC EventSelector, DataResource).
var (
	readWriteTypes   = []string{"ReadOnly", "WriteOnly", "All"}
	excludableSource = []string{"kms.amazonaws.com", "rdsdata.amazonaws.com"}
	// dataResourceValue is, per basic data resource type, the form of a
	// value naming some resources; the bare "arn:<partition>:<service>"
	// names all of them.
	dataResourceValue = map[string]*regexp.Regexp{
		// A bucket and an object prefix, which may be empty but needs the
		// slash: arn:aws:s3:::bucket/ is the whole bucket.
		"AWS::S3::Object": regexp.MustCompile(`^arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.*$`),
		// Function ARNs match exactly, with an optional qualifier.
		"AWS::Lambda::Function": regexp.MustCompile(`^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$`),
		"AWS::DynamoDB::Table":  regexp.MustCompile(`^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]{3,255}$`),
	}
	allOfType = map[string]string{
		"AWS::S3::Object":       "arn:aws:s3",
		"AWS::Lambda::Function": "arn:aws:lambda",
		"AWS::DynamoDB::Table":  "arn:aws:dynamodb",
	}
)

// checkBasic validates basic selectors and returns them as stored, with
// CloudTrail's defaults filled in.
func checkBasic(in []EventSelector) ([]trailwatch.EventSelector, *awserr.Error) {
	if len(in) > maxEventSelectors {
		return nil, errEventSelectors("A trail can have at most %d event selectors; %d were given.", maxEventSelectors, len(in))
	}
	out := make([]trailwatch.EventSelector, 0, len(in))
	resources := 0
	for _, es := range in {
		sel := trailwatch.EventSelector{
			ReadWriteType: "All", IncludeManagementEvents: true,
			DataResources: []trailwatch.DataResource{}, ExcludeManagementEventSources: []string{},
		}
		if es.ReadWriteType != nil {
			if !slices.Contains(readWriteTypes, *es.ReadWriteType) {
				return nil, errEventSelectors("Value %s for ReadWriteType is invalid. Valid values are ReadOnly, WriteOnly and All.", *es.ReadWriteType)
			}
			sel.ReadWriteType = *es.ReadWriteType
		}
		if es.IncludeManagementEvents != nil {
			sel.IncludeManagementEvents = *es.IncludeManagementEvents
		}
		for _, src := range es.ExcludeManagementEventSources {
			if !slices.Contains(excludableSource, src) {
				return nil, errEventSelectors("Value %s for ExcludeManagementEventSources is invalid. Only kms.amazonaws.com and rdsdata.amazonaws.com can be excluded.", src)
			}
			sel.ExcludeManagementEventSources = append(sel.ExcludeManagementEventSources, src)
		}
		for _, dr := range es.DataResources {
			typ := ""
			if dr.Type != nil {
				typ = *dr.Type
			}
			form, ok := dataResourceValue[typ]
			if !ok {
				return nil, errEventSelectors("Value %s for DataResources.Type is invalid. Basic event selectors support AWS::S3::Object, AWS::Lambda::Function and AWS::DynamoDB::Table; use advanced event selectors for other types.", typ)
			}
			if len(dr.Values) == 0 {
				return nil, errEventSelectors("DataResources.Values for %s must name at least one resource.", typ)
			}
			for _, v := range dr.Values {
				switch {
				case v == allOfType[typ]:
					// Logging every resource of a type does not count
					// towards the data resource limit.
				case form.MatchString(v):
					resources++
				default:
					// Observed wording.
					return nil, errEventSelectors("Value %s for DataResources.Values is invalid.", v)
				}
			}
			sel.DataResources = append(sel.DataResources, trailwatch.DataResource{Type: typ, Values: slices.Clone(dr.Values)})
		}
		out = append(out, sel)
	}
	if resources > maxDataResources {
		return nil, errEventSelectors("A trail can log data events for at most %d data resources; %d were given.", maxDataResources, resources)
	}
	return out, nil
}

// advancedFields lists, per eventCategory value, the fields a trail's
// advanced selector may test (UG AdvancedFieldSelector, for trails), and
// which of them the selector must test.
var advancedFields = map[string]struct{ allowed, required []string }{
	"Management": {
		allowed: []string{"eventCategory", "eventSource", "readOnly"},
	},
	"Data": {
		allowed: []string{"eventCategory", "resources.type", "eventName", "eventSource", "eventType", "readOnly",
			"resources.ARN", "sessionCredentialFromConsole", "userIdentity.arn"},
		required: []string{"resources.type"},
	},
	"NetworkActivity": {
		allowed:  []string{"eventCategory", "eventSource", "eventName", "errorCode", "vpcEndpointId", "userIdentity.arn"},
		required: []string{"eventSource"},
	},
	// trailwatch's extension: trails deliver the activity audit events of
	// PutAuditEvents (reference/cloudtrail.md §8) only when an advanced
	// selector asks for them; AWS keeps them in Lake event data stores.
	trailwatch.CategoryActivityAuditLog: {
		allowed: []string{"eventCategory", "eventSource", "eventName", "eventType", "userIdentity.principalId"},
	},
}

// equalsOnly are the fields that take no operator but Equals.
var equalsOnly = []string{"eventCategory", "readOnly", "resources.type"}

// operators returns the selector's operators by name, absent ones left out.
func operators(f *AdvancedFieldSelector) map[string][]string {
	ops := map[string][]string{}
	for name, vs := range map[string][]string{
		"Equals": f.Equals, "StartsWith": f.StartsWith, "EndsWith": f.EndsWith,
		"NotEquals": f.NotEquals, "NotStartsWith": f.NotStartsWith, "NotEndsWith": f.NotEndsWith,
	} {
		if vs != nil {
			ops[name] = vs
		}
	}
	return ops
}

// checkAdvanced validates advanced selectors for a trail and returns them
// as stored.
func checkAdvanced(in []AdvancedEventSelector) ([]trailwatch.AdvancedEventSelector, *awserr.Error) {
	out := make([]trailwatch.AdvancedEventSelector, 0, len(in))
	values := 0
	for _, aes := range in {
		name := ""
		if aes.Name != nil {
			name = *aes.Name
		}
		fields := map[string]*AdvancedFieldSelector{}
		for i := range aes.FieldSelectors {
			f := &aes.FieldSelectors[i]
			if fields[f.Field] != nil {
				return nil, errEventSelectors("Field %s appears more than once in one advanced event selector.", f.Field)
			}
			fields[f.Field] = f
			ops := operators(f)
			if len(ops) == 0 {
				return nil, errEventSelectors("Field %s has no operator; each field selector needs at least one.", f.Field)
			}
			for op, vs := range ops {
				if op != "Equals" && slices.Contains(equalsOnly, f.Field) {
					return nil, errEventSelectors("Field %s accepts only the Equals operator.", f.Field)
				}
				for _, v := range vs {
					if len(v) > maxOperatorValueLength {
						return nil, errEventSelectors("Values of field %s must be at most %d characters long.", f.Field, maxOperatorValueLength)
					}
				}
				values += len(vs)
			}
		}
		cat := fields["eventCategory"]
		if cat == nil || len(cat.Equals) != 1 {
			return nil, errEventSelectors("Each advanced event selector must select exactly one eventCategory with Equals.")
		}
		rules, ok := advancedFields[cat.Equals[0]]
		if !ok {
			return nil, errEventSelectors("Value %s for eventCategory is invalid. Trails accept Management, Data, NetworkActivity and ActivityAuditLog.", cat.Equals[0])
		}
		for i := range aes.FieldSelectors {
			f := &aes.FieldSelectors[i]
			if !slices.Contains(rules.allowed, f.Field) {
				return nil, errEventSelectors("Field %s is not valid in an advanced event selector for %s events.", f.Field, cat.Equals[0])
			}
			if e := checkFieldValues(cat.Equals[0], f.Field, f); e != nil {
				return nil, e
			}
		}
		for _, field := range rules.required {
			if fields[field] == nil {
				return nil, errEventSelectors("An advanced event selector for %s events must include the %s field.", cat.Equals[0], field)
			}
		}
		sel := trailwatch.AdvancedEventSelector{Name: name, FieldSelectors: make([]trailwatch.AdvancedFieldSelector, 0, len(aes.FieldSelectors))}
		for _, f := range aes.FieldSelectors {
			sel.FieldSelectors = append(sel.FieldSelectors, trailwatch.AdvancedFieldSelector{
				Field: f.Field, Equals: f.Equals, StartsWith: f.StartsWith, EndsWith: f.EndsWith,
				NotEquals: f.NotEquals, NotStartsWith: f.NotStartsWith, NotEndsWith: f.NotEndsWith,
			})
		}
		out = append(out, sel)
	}
	if values > maxAdvancedValues {
		return nil, errEventSelectors("Advanced event selectors can have at most %d values across all conditions of a trail; %d were given.", maxAdvancedValues, values)
	}
	return out, nil
}

// checkFieldValues applies the per-field value rules of the reference's
// §5.3 table.
func checkFieldValues(category, field string, f *AdvancedFieldSelector) *awserr.Error {
	switch {
	case field == "readOnly":
		for _, v := range f.Equals {
			if v != "true" && v != "false" {
				return errEventSelectors("Value %s for readOnly is invalid. Valid values are true and false.", v)
			}
		}
	case field == "resources.type" && len(f.Equals) != 1:
		return errEventSelectors("An advanced event selector must select exactly one resources.type.")
	case category == "Management" && field == "eventSource":
		// Management selectors may only leave out the two sources basic
		// selectors can exclude.
		ops := operators(f)
		if len(ops) != 1 || ops["NotEquals"] == nil {
			return errEventSelectors("For management events, eventSource accepts only NotEquals.")
		}
		for _, v := range f.NotEquals {
			if !slices.Contains(excludableSource, v) {
				return errEventSelectors("Value %s for eventSource is invalid. Only kms.amazonaws.com and rdsdata.amazonaws.com can be excluded from management events.", v)
			}
		}
	case category == "NetworkActivity" && field == "errorCode":
		for _, vs := range operators(f) {
			for _, v := range vs {
				if v != "VpceAccessDenied" {
					return errEventSelectors("Value %s for errorCode is invalid. The only valid value is VpceAccessDenied.", v)
				}
			}
		}
	}
	return nil
}

// PutEventSelectors replaces a trail's selectors with the basic or the
// advanced ones given, from the trail's home region.
func (s *Service) PutEventSelectors(ctx context.Context, in *PutEventSelectorsInput) (*EventSelectorsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.TrailName, write)
	if err != nil {
		return nil, err
	}
	var (
		basic    []trailwatch.EventSelector
		advanced []trailwatch.AdvancedEventSelector
		e        *awserr.Error
	)
	switch {
	case in.EventSelectors != nil && in.AdvancedEventSelectors != nil:
		return nil, errEventSelectors("You can use either EventSelectors or AdvancedEventSelectors in a PutEventSelectors request, but not both.")
	case in.EventSelectors != nil:
		basic, e = checkBasic(in.EventSelectors)
	case in.AdvancedEventSelectors != nil:
		advanced, e = checkAdvanced(in.AdvancedEventSelectors)
	default:
		return nil, errEventSelectors("Specify EventSelectors or AdvancedEventSelectors.")
	}
	if e != nil {
		return nil, e
	}
	var out *EventSelectorsOutput
	err = s.updateTrail(ctx, c, in.TrailName, t, func(t *trailwatch.Trail) error {
		t.HasCustomEventSelectors = true
		t.EventSelectors, t.AdvancedEventSelectors = basic, advanced
		out = selectorsOutput(t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetEventSelectors returns a trail's selectors; a trail that never had
// any logs every management event, which is what it reports.
func (s *Service) GetEventSelectors(ctx context.Context, in *GetEventSelectorsInput) (*EventSelectorsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.TrailName, read)
	if err != nil {
		return nil, err
	}
	return selectorsOutput(&t), nil
}

func selectorsOutput(t *trailwatch.Trail) *EventSelectorsOutput {
	out := &EventSelectorsOutput{TrailARN: t.ARN()}
	switch {
	case len(t.AdvancedEventSelectors) > 0:
		for _, a := range t.AdvancedEventSelectors {
			name := a.Name
			sel := AdvancedEventSelector{Name: &name, FieldSelectors: []AdvancedFieldSelector{}}
			for _, f := range a.FieldSelectors {
				sel.FieldSelectors = append(sel.FieldSelectors, AdvancedFieldSelector{
					Field: f.Field, Equals: f.Equals, StartsWith: f.StartsWith, EndsWith: f.EndsWith,
					NotEquals: f.NotEquals, NotStartsWith: f.NotStartsWith, NotEndsWith: f.NotEndsWith,
				})
			}
			out.AdvancedEventSelectors = append(out.AdvancedEventSelectors, sel)
		}
	case len(t.EventSelectors) > 0:
		for _, es := range t.EventSelectors {
			out.EventSelectors = append(out.EventSelectors, basicShape(es))
		}
	default:
		out.EventSelectors = []EventSelector{basicShape(trailwatch.EventSelector{ReadWriteType: "All", IncludeManagementEvents: true})}
	}
	return out
}

func basicShape(es trailwatch.EventSelector) EventSelector {
	rw := es.ReadWriteType
	out := EventSelector{
		ReadWriteType: &rw, IncludeManagementEvents: boolPtr(es.IncludeManagementEvents),
		DataResources: []DataResource{}, ExcludeManagementEventSources: []string{},
	}
	for _, dr := range es.DataResources {
		typ := dr.Type
		out.DataResources = append(out.DataResources, DataResource{Type: &typ, Values: append([]string{}, dr.Values...)})
	}
	out.ExcludeManagementEventSources = append(out.ExcludeManagementEventSources, es.ExcludeManagementEventSources...)
	return out
}

package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Log group shapes and operations (reference/cloudwatch-logs.md §3.1).
// Constraint tags copy the model (botocore logs/2014-03-28) except the
// 512-character bound of log group and stream names, which checkNames
// enforces with AWS's own message.

// retentionDays are the retention periods PutRetentionPolicy accepts (§2).
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// describeLimit is the default and largest page of the Describe operations.
const describeLimit = 50

// classStandard is the log group class a group gets unless it asks for
// another.
const classStandard = "STANDARD"

// CreateLogGroupInput is CreateLogGroupRequest.
type CreateLogGroupInput struct {
	LogGroupName              string            `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	KMSKeyID                  string            `json:"kmsKeyId" max:"256"`
	Tags                      map[string]string `json:"tags" min:"1" max:"50"`
	LogGroupClass             string            `json:"logGroupClass" enum:"STANDARD|INFREQUENT_ACCESS|DELIVERY"`
	DeletionProtectionEnabled *bool             `json:"deletionProtectionEnabled"`
}

// CreateLogGroupOutput is CreateLogGroup's (empty) result.
type CreateLogGroupOutput struct{}

// DeleteLogGroupInput is DeleteLogGroupRequest.
type DeleteLogGroupInput struct {
	LogGroupName string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
}

// DeleteLogGroupOutput is DeleteLogGroup's (empty) result.
type DeleteLogGroupOutput struct{}

// DescribeLogGroupsInput is DescribeLogGroupsRequest.
type DescribeLogGroupsInput struct {
	AccountIdentifiers  []string `json:"accountIdentifiers" max:"20" pattern:"^\\d{12}$"`
	LogGroupNamePrefix  string   `json:"logGroupNamePrefix" min:"1" max:"512" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	LogGroupNamePattern *string  `json:"logGroupNamePattern" max:"512" pattern:"[\\.\\-_/#A-Za-z0-9]*"`
	NextToken           string   `json:"nextToken" min:"1"`
	Limit               *int32   `json:"limit" min:"1" max:"50"`
	// IncludeLinkedAccounts asks for cross-account observability, which
	// trailwatch has no links for: only the caller's own groups are listed.
	IncludeLinkedAccounts *bool    `json:"includeLinkedAccounts"`
	LogGroupClass         string   `json:"logGroupClass" enum:"STANDARD|INFREQUENT_ACCESS|DELIVERY"`
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers" min:"1" max:"50" pattern:"[\\w#+=/:,.@-]*"`
}

// DescribeLogGroupsOutput is DescribeLogGroupsResponse.
type DescribeLogGroupsOutput struct {
	LogGroups []LogGroup `json:"logGroups"`
	NextToken string     `json:"nextToken"`
}

// LogGroup is the LogGroup shape. Absent members are left out, as AWS
// leaves out retentionInDays for a group that never expires.
type LogGroup struct {
	LogGroupName              string `json:"logGroupName"`
	CreationTime              int64  `json:"creationTime"`
	RetentionInDays           *int32 `json:"retentionInDays"`
	MetricFilterCount         *int32 `json:"metricFilterCount"`
	ARN                       string `json:"arn"`
	StoredBytes               *int64 `json:"storedBytes"`
	KMSKeyID                  string `json:"kmsKeyId"`
	LogGroupClass             string `json:"logGroupClass"`
	LogGroupARN               string `json:"logGroupArn"`
	DeletionProtectionEnabled *bool  `json:"deletionProtectionEnabled"`
}

// PutRetentionPolicyInput is PutRetentionPolicyRequest. RetentionInDays
// carries no enum tag because the model has none: the service itself
// refuses a value outside retentionDays.
type PutRetentionPolicyInput struct {
	LogGroupName    string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
	RetentionInDays *int32 `json:"retentionInDays" required:"true"`
}

// PutRetentionPolicyOutput is PutRetentionPolicy's (empty) result.
type PutRetentionPolicyOutput struct{}

// DeleteRetentionPolicyInput is DeleteRetentionPolicyRequest.
type DeleteRetentionPolicyInput struct {
	LogGroupName string `json:"logGroupName" required:"true" min:"1" pattern:"[\\.\\-_/#A-Za-z0-9]+"`
}

// DeleteRetentionPolicyOutput is DeleteRetentionPolicy's (empty) result.
type DeleteRetentionPolicyOutput struct{}

// CreateLogGroup creates a log group that never expires. Errors:
// errGroupExists, errNameTooLong, errReservedGroupName, tag violations.
func (s *Service) CreateLogGroup(ctx context.Context, in *CreateLogGroupInput) (*CreateLogGroupOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	if strings.HasPrefix(in.LogGroupName, "aws/") {
		return nil, errReservedGroupName()
	}
	if err := checkTags("tags", in.Tags); err != nil {
		return nil, err
	}
	g := trailwatch.LogGroup{
		AccountID: c.AccountID, Region: c.Region, Name: in.LogGroupName,
		CreatedAt: time.UnixMilli(s.nowMillis()).UTC(),
		KMSKeyID:  in.KMSKeyID,
		Class:     in.LogGroupClass,
		Tags:      in.Tags,
	}
	if g.Class == "" {
		g.Class = classStandard
	}
	if in.DeletionProtectionEnabled != nil {
		g.DeletionProtection = *in.DeletionProtectionEnabled
	}
	err = s.logs.CreateLogGroup(ctx, g)
	if errors.Is(err, storage.ErrExists) {
		return nil, errGroupExists()
	}
	if err != nil {
		return nil, fmt.Errorf("create log group: %w", err)
	}
	return &CreateLogGroupOutput{}, nil
}

// DeleteLogGroup deletes a group with its streams, events and metric
// filters. Errors: errGroupNotFound, errDeletionProtected.
func (s *Service) DeleteLogGroup(ctx context.Context, in *DeleteLogGroupInput) (*DeleteLogGroupOutput, error) {
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
	if g.DeletionProtection {
		return nil, errDeletionProtected()
	}
	err = s.logs.DeleteLogGroup(ctx, c.AccountID, c.Region, in.LogGroupName)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errGroupNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("delete log group: %w", err)
	}
	return &DeleteLogGroupOutput{}, nil
}

// group reads a log group, mapping a missing one to errGroupNotFound.
func (s *Service) group(ctx context.Context, c *trailwatch.Caller, name string) (trailwatch.LogGroup, error) {
	g, err := s.logs.GetLogGroup(ctx, c.AccountID, c.Region, name)
	if errors.Is(err, storage.ErrNotFound) {
		return g, errGroupNotFound()
	}
	if err != nil {
		return g, fmt.Errorf("get log group: %w", err)
	}
	return g, nil
}

// updateGroup changes a log group through storage.Logs.UpdateLogGroup,
// mapping a missing group to errGroupNotFound; fn's own errors pass through.
func (s *Service) updateGroup(ctx context.Context, c *trailwatch.Caller, name string, fn func(*trailwatch.LogGroup) error) error {
	err := s.logs.UpdateLogGroup(ctx, c.AccountID, c.Region, name, fn)
	switch {
	case err == nil || awserr.As(err) != nil:
		return err
	case errors.Is(err, storage.ErrNotFound):
		return errGroupNotFound()
	}
	return fmt.Errorf("update log group: %w", err)
}

// DescribeLogGroups lists the caller's log groups in ASCII name order,
// selected by name prefix, substring pattern, class or identifiers.
func (s *Service) DescribeLogGroups(ctx context.Context, in *DescribeLogGroupsInput) (*DescribeLogGroupsOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != nil {
		return nil, errPrefixAndPattern()
	}
	if in.LogGroupIdentifiers != nil && (in.LogGroupNamePrefix != "" || in.LogGroupNamePattern != nil || in.LogGroupClass != "") {
		return nil, errIdentifiersWithFilters()
	}
	limit := describeLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	q := storage.LogGroupQuery{AccountID: c.AccountID, Region: c.Region, Prefix: in.LogGroupNamePrefix}
	key := newPageKey("DescribeLogGroups", c.AccountID, c.Region).str(in.LogGroupNamePrefix).str(in.LogGroupClass)
	if p := in.LogGroupNamePattern; p != nil {
		q.Contains = *p
		key.str("pattern:" + *p)
	} else {
		key.str("")
	}
	if in.LogGroupIdentifiers != nil {
		for _, id := range in.LogGroupIdentifiers {
			if name, ok := resolveIdentifier(c, id); ok {
				q.Names = append(q.Names, name)
			}
		}
		key.strs(in.LogGroupIdentifiers)
		if len(q.Names) == 0 {
			// None names a group the caller can see; an empty Names would
			// select every group instead.
			return &DescribeLogGroupsOutput{LogGroups: []LogGroup{}}, nil
		}
	}
	if err := resume(key, in.NextToken, func(cur *cursor) { q.After = cur.string() }); err != nil {
		return nil, err
	}
	groups, more, err := s.listGroups(ctx, q, limit, in.LogGroupClass)
	if err != nil {
		return nil, err
	}
	out := &DescribeLogGroupsOutput{LogGroups: make([]LogGroup, 0, len(groups))}
	for _, g := range groups {
		out.LogGroups = append(out.LogGroups, describeGroup(g, in.LogGroupNamePattern != nil))
	}
	if more {
		out.NextToken = encodeToken(key, new(cursor).putString(groups[len(groups)-1].Name))
	}
	return out, nil
}

// resolveIdentifier turns a logGroupIdentifiers entry into a name: a name
// as it is, a log group ARN of the caller's account and region into its
// name. Other ARNs name nothing the caller can list.
func resolveIdentifier(c *trailwatch.Caller, id string) (string, bool) {
	if strings.HasPrefix(id, "arn:") {
		return parseGroupARN(c, id)
	}
	return id, true
}

// listGroups returns up to limit groups of q of the given class ("" =
// any) and whether more follow. Storage cannot select by class, so pages
// are read until enough groups of the class are found.
func (s *Service) listGroups(ctx context.Context, q storage.LogGroupQuery, limit int, class string) ([]trailwatch.LogGroup, bool, error) {
	// One group more than the page tells whether anything follows.
	q.Limit = limit + 1
	var found []trailwatch.LogGroup
	for {
		batch, err := s.logs.ListLogGroups(ctx, q)
		if err != nil {
			return nil, false, fmt.Errorf("list log groups: %w", err)
		}
		for _, g := range batch {
			if class == "" || groupClass(g) == class {
				found = append(found, g)
			}
		}
		if len(found) > limit {
			return found[:limit], true, nil
		}
		if len(batch) < q.Limit {
			return found, false, nil
		}
		q.After = batch[len(batch)-1].Name
	}
}

// groupClass is a group's class; groups stored without one are STANDARD.
func groupClass(g trailwatch.LogGroup) string {
	if g.Class == "" {
		return classStandard
	}
	return g.Class
}

// describeGroup is the LogGroup shape of g. With a name pattern AWS
// returns fewer members: the model promises arn, creationTime and
// logGroupName, and a recording against AWS also shows logGroupArn,
// logGroupClass and metricFilterCount (§3.1).
func describeGroup(g trailwatch.LogGroup, patternMode bool) LogGroup {
	arn := groupARN(g.Region, g.AccountID, g.Name)
	count := int32(g.MetricFilterCount)
	out := LogGroup{
		LogGroupName:      g.Name,
		CreationTime:      g.CreatedAt.UnixMilli(),
		MetricFilterCount: &count,
		ARN:               arn + ":*",
		LogGroupClass:     groupClass(g),
		LogGroupARN:       arn,
	}
	if patternMode {
		return out
	}
	if g.RetentionDays > 0 {
		days := g.RetentionDays
		out.RetentionInDays = &days
	}
	stored := g.StoredBytes
	protected := g.DeletionProtection
	out.StoredBytes = &stored
	out.DeletionProtectionEnabled = &protected
	out.KMSKeyID = g.KMSKeyID
	return out
}

// PutRetentionPolicy sets how many days a group keeps its events. Errors:
// errGroupNotFound, and InvalidParameterException for a period AWS does
// not offer.
func (s *Service) PutRetentionPolicy(ctx context.Context, in *PutRetentionPolicyInput) (*PutRetentionPolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	days := *in.RetentionInDays
	if !slices.Contains(retentionDays, days) {
		allowed := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			allowed[i] = strconv.Itoa(int(d))
		}
		return nil, validationError(awsapi.Violation{
			Path: "retentionInDays", Value: strconv.Itoa(int(days)),
			Constraint: "Member must satisfy enum value set: [" + strings.Join(allowed, ", ") + "]",
		})
	}
	err = s.updateGroup(ctx, c, in.LogGroupName, func(g *trailwatch.LogGroup) error {
		g.RetentionDays = days
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutRetentionPolicyOutput{}, nil
}

// DeleteRetentionPolicy makes a group's events never expire. Errors:
// errGroupNotFound.
func (s *Service) DeleteRetentionPolicy(ctx context.Context, in *DeleteRetentionPolicyInput) (*DeleteRetentionPolicyOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkNames(in.LogGroupName); err != nil {
		return nil, err
	}
	err = s.updateGroup(ctx, c, in.LogGroupName, func(g *trailwatch.LogGroup) error {
		g.RetentionDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRetentionPolicyOutput{}, nil
}

// PutLogGroupDeletionProtectionInput is PutLogGroupDeletionProtectionRequest.
type PutLogGroupDeletionProtectionInput struct {
	LogGroupIdentifier        string `json:"logGroupIdentifier" required:"true" min:"1" max:"2048" pattern:"[\\w#+=/:,.@-]*"`
	DeletionProtectionEnabled *bool  `json:"deletionProtectionEnabled" required:"true"`
}

// PutLogGroupDeletionProtectionOutput is the operation's (empty) result.
type PutLogGroupDeletionProtectionOutput struct{}

// PutLogGroupDeletionProtection turns deletion protection on or off; while
// it is on, DeleteLogGroup refuses the group.
func (s *Service) PutLogGroupDeletionProtection(ctx context.Context, in *PutLogGroupDeletionProtectionInput) (*PutLogGroupDeletionProtectionOutput, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	name, aerr := groupName(c, "", in.LogGroupIdentifier)
	if aerr != nil {
		return nil, aerr
	}
	err = s.updateGroup(ctx, c, name, func(g *trailwatch.LogGroup) error {
		g.DeletionProtection = *in.DeletionProtectionEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutLogGroupDeletionProtectionOutput{}, nil
}

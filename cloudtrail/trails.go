package cloudtrail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// The trail control plane (reference/cloudtrail.md §5.2). Inputs carry only
// the model's own constraints as tags; CloudTrail checks names, buckets and
// the rest itself and answers with its own exceptions, and so do these
// handlers. Output booleans are pointers so that false is written, not
// left out.

// CreateTrailInput is CreateTrailRequest.
type CreateTrailInput struct {
	Name                       string  `json:"Name"`
	S3BucketName               string  `json:"S3BucketName"`
	S3KeyPrefix                *string `json:"S3KeyPrefix"`
	SnsTopicName               *string `json:"SnsTopicName"`
	IncludeGlobalServiceEvents *bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         *bool   `json:"IsMultiRegionTrail"`
	EnableLogFileValidation    *bool   `json:"EnableLogFileValidation"`
	CloudWatchLogsLogGroupArn  *string `json:"CloudWatchLogsLogGroupArn"`
	CloudWatchLogsRoleArn      *string `json:"CloudWatchLogsRoleArn"`
	KmsKeyID                   *string `json:"KmsKeyId"`
	IsOrganizationTrail        *bool   `json:"IsOrganizationTrail"`
	TagsList                   []Tag   `json:"TagsList" max:"200"`
}

// UpdateTrailInput is UpdateTrailRequest: every member but Name replaces
// the stored setting when present; empty strings clear the optional ones.
type UpdateTrailInput struct {
	Name                       string  `json:"Name"`
	S3BucketName               *string `json:"S3BucketName"`
	S3KeyPrefix                *string `json:"S3KeyPrefix"`
	SnsTopicName               *string `json:"SnsTopicName"`
	IncludeGlobalServiceEvents *bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         *bool   `json:"IsMultiRegionTrail"`
	EnableLogFileValidation    *bool   `json:"EnableLogFileValidation"`
	CloudWatchLogsLogGroupArn  *string `json:"CloudWatchLogsLogGroupArn"`
	CloudWatchLogsRoleArn      *string `json:"CloudWatchLogsRoleArn"`
	KmsKeyID                   *string `json:"KmsKeyId"`
	IsOrganizationTrail        *bool   `json:"IsOrganizationTrail"`
}

// TrailOutput is CreateTrailResponse and UpdateTrailResponse.
type TrailOutput struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName"`
	S3KeyPrefix                string `json:"S3KeyPrefix"`
	SnsTopicName               string `json:"SnsTopicName"`
	SnsTopicARN                string `json:"SnsTopicARN"`
	IncludeGlobalServiceEvents *bool  `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         *bool  `json:"IsMultiRegionTrail"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   *bool  `json:"LogFileValidationEnabled"`
	CloudWatchLogsLogGroupArn  string `json:"CloudWatchLogsLogGroupArn"`
	CloudWatchLogsRoleArn      string `json:"CloudWatchLogsRoleArn"`
	KmsKeyID                   string `json:"KmsKeyId"`
	IsOrganizationTrail        *bool  `json:"IsOrganizationTrail"`
}

// Trail is the Trail shape of GetTrail and DescribeTrails. Unset string
// members are left out, as AWS leaves them out (§5.2).
type Trail struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName"`
	S3KeyPrefix                string `json:"S3KeyPrefix"`
	SnsTopicName               string `json:"SnsTopicName"`
	SnsTopicARN                string `json:"SnsTopicARN"`
	IncludeGlobalServiceEvents *bool  `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         *bool  `json:"IsMultiRegionTrail"`
	HomeRegion                 string `json:"HomeRegion"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   *bool  `json:"LogFileValidationEnabled"`
	CloudWatchLogsLogGroupArn  string `json:"CloudWatchLogsLogGroupArn"`
	CloudWatchLogsRoleArn      string `json:"CloudWatchLogsRoleArn"`
	KmsKeyID                   string `json:"KmsKeyId"`
	HasCustomEventSelectors    *bool  `json:"HasCustomEventSelectors"`
	HasInsightSelectors        *bool  `json:"HasInsightSelectors"`
	IsOrganizationTrail        *bool  `json:"IsOrganizationTrail"`
}

// TrailNameInput is the input of the operations that only name a trail:
// DeleteTrail, GetTrail, GetTrailStatus, StartLogging, StopLogging.
type TrailNameInput struct {
	Name string `json:"Name"`
}

// EmptyOutput is the empty result of DeleteTrail, StartLogging,
// StopLogging, AddTags and RemoveTags.
type EmptyOutput struct{}

// GetTrailOutput is GetTrailResponse.
type GetTrailOutput struct {
	Trail *Trail `json:"Trail"`
}

// DescribeTrailsInput is DescribeTrailsRequest, with the model's lower-case
// member names.
type DescribeTrailsInput struct {
	TrailNameList       []string `json:"trailNameList"`
	IncludeShadowTrails *bool    `json:"includeShadowTrails"`
}

// DescribeTrailsOutput is DescribeTrailsResponse.
type DescribeTrailsOutput struct {
	TrailList []Trail `json:"trailList"`
}

// ListTrailsInput is ListTrailsRequest.
type ListTrailsInput struct {
	NextToken string `json:"NextToken"`
}

// ListTrailsOutput is ListTrailsResponse.
type ListTrailsOutput struct {
	Trails    []TrailInfo `json:"Trails"`
	NextToken string      `json:"NextToken"`
}

// TrailInfo is one ListTrails entry.
type TrailInfo struct {
	TrailARN   string `json:"TrailARN"`
	Name       string `json:"Name"`
	HomeRegion string `json:"HomeRegion"`
}

// GetTrailStatusOutput is GetTrailStatusResponse. The deprecated string
// members repeat the times as ISO 8601 text, as AWS still sends them
// (the AWS CLI's example output): the *AttemptSucceeded members hold the
// time of the latest successful attempt.
type GetTrailStatusOutput struct {
	IsLogging                          *bool      `json:"IsLogging"`
	LatestDeliveryError                string     `json:"LatestDeliveryError"`
	LatestNotificationError            string     `json:"LatestNotificationError"`
	LatestDeliveryTime                 *time.Time `json:"LatestDeliveryTime"`
	LatestNotificationTime             *time.Time `json:"LatestNotificationTime"`
	StartLoggingTime                   *time.Time `json:"StartLoggingTime"`
	StopLoggingTime                    *time.Time `json:"StopLoggingTime"`
	LatestCloudWatchLogsDeliveryError  string     `json:"LatestCloudWatchLogsDeliveryError"`
	LatestCloudWatchLogsDeliveryTime   *time.Time `json:"LatestCloudWatchLogsDeliveryTime"`
	LatestDigestDeliveryTime           *time.Time `json:"LatestDigestDeliveryTime"`
	LatestDigestDeliveryError          string     `json:"LatestDigestDeliveryError"`
	LatestDeliveryAttemptTime          string     `json:"LatestDeliveryAttemptTime"`
	LatestNotificationAttemptTime      string     `json:"LatestNotificationAttemptTime"`
	LatestNotificationAttemptSucceeded string     `json:"LatestNotificationAttemptSucceeded"`
	LatestDeliveryAttemptSucceeded     string     `json:"LatestDeliveryAttemptSucceeded"`
	TimeLoggingStarted                 string     `json:"TimeLoggingStarted"`
	TimeLoggingStopped                 string     `json:"TimeLoggingStopped"`
}

func boolPtr(b bool) *bool { return &b }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// isoTime is the deprecated status members' format, "" for never.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func trailOutput(t *trailwatch.Trail) *TrailOutput {
	o := &TrailOutput{
		Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix,
		SnsTopicARN:                t.SnsTopicARN,
		IncludeGlobalServiceEvents: boolPtr(t.IncludeGlobalServiceEvents),
		IsMultiRegionTrail:         boolPtr(t.IsMultiRegionTrail),
		TrailARN:                   t.ARN(),
		LogFileValidationEnabled:   boolPtr(t.LogFileValidationEnabled),
		CloudWatchLogsLogGroupArn:  t.CloudWatchLogsLogGroupARN,
		CloudWatchLogsRoleArn:      t.CloudWatchLogsRoleARN,
		KmsKeyID:                   t.KMSKeyID,
		IsOrganizationTrail:        boolPtr(t.IsOrganizationTrail),
	}
	if t.SnsTopicARN != "" {
		o.SnsTopicName = snsTopicName(t.SnsTopicARN)
	}
	return o
}

func trailShape(t *trailwatch.Trail) Trail {
	o := trailOutput(t)
	return Trail{
		Name: o.Name, S3BucketName: o.S3BucketName, S3KeyPrefix: o.S3KeyPrefix,
		SnsTopicName: o.SnsTopicName, SnsTopicARN: o.SnsTopicARN,
		IncludeGlobalServiceEvents: o.IncludeGlobalServiceEvents, IsMultiRegionTrail: o.IsMultiRegionTrail,
		HomeRegion: t.HomeRegion, TrailARN: o.TrailARN, LogFileValidationEnabled: o.LogFileValidationEnabled,
		CloudWatchLogsLogGroupArn: o.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: o.CloudWatchLogsRoleArn,
		KmsKeyID: o.KmsKeyID, HasCustomEventSelectors: boolPtr(t.HasCustomEventSelectors),
		// Insights are not built: no trail has insight selectors.
		HasInsightSelectors: boolPtr(false),
		IsOrganizationTrail: o.IsOrganizationTrail,
	}
}

// CreateTrail creates a trail in the caller's region. It does not start
// logging (§5.2). Errors: InvalidTrailNameException, TrailAlreadyExists,
// MaximumNumberOfTrailsExceeded, the settings' exceptions, tag errors.
func (s *Service) CreateTrail(ctx context.Context, in *CreateTrailInput) (*TrailOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if e := checkTrailName(in.Name); e != nil {
		return nil, e
	}
	t := trailwatch.Trail{
		AccountID: c.AccountID, HomeRegion: c.Region, Name: in.Name,
		IncludeGlobalServiceEvents: true,
		CreatedAt:                  s.now().UTC(),
	}
	upd := UpdateTrailInput{
		S3BucketName: &in.S3BucketName, S3KeyPrefix: in.S3KeyPrefix, SnsTopicName: in.SnsTopicName,
		IncludeGlobalServiceEvents: in.IncludeGlobalServiceEvents, IsMultiRegionTrail: in.IsMultiRegionTrail,
		EnableLogFileValidation: in.EnableLogFileValidation, CloudWatchLogsLogGroupArn: in.CloudWatchLogsLogGroupArn,
		CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn, KmsKeyID: in.KmsKeyID, IsOrganizationTrail: in.IsOrganizationTrail,
	}
	if err := s.applySettings(ctx, c, &t, &upd); err != nil {
		return nil, err
	}
	if in.TagsList != nil {
		tags, e := mergeTags(nil, in.TagsList)
		if e != nil {
			return nil, e
		}
		t.Tags = tags
	}
	// Last of the checks, as it may make a bucket: a request refused for
	// anything else leaves no directory behind.
	if err := s.ensureBucket(ctx, c, t.S3BucketName); err != nil {
		return nil, err
	}
	err = s.trails.CreateTrail(ctx, t, MaxTrailsPerRegion)
	switch {
	case errors.Is(err, storage.ErrExists):
		return nil, errTrailExists(in.Name, c.AccountID)
	case errors.Is(err, storage.ErrLimitExceeded):
		return nil, errTooManyTrails(c.AccountID, c.Region)
	case err != nil:
		return nil, fmt.Errorf("create trail: %w", err)
	}
	return trailOutput(&t), nil
}

// applySettings validates the settings in and writes them into t, then
// checks the rules that span members on the result.
func (s *Service) applySettings(ctx context.Context, c *trailwatch.Caller, t *trailwatch.Trail, in *UpdateTrailInput) error {
	if in.S3BucketName != nil {
		if e := checkBucket(*in.S3BucketName); e != nil {
			return e
		}
		t.S3BucketName = *in.S3BucketName
	}
	if in.S3KeyPrefix != nil {
		if e := checkPrefix(*in.S3KeyPrefix); e != nil {
			return e
		}
		t.S3KeyPrefix = *in.S3KeyPrefix
	}
	if in.SnsTopicName != nil {
		t.SnsTopicARN = ""
		if *in.SnsTopicName != "" {
			arn, e := snsTopicARN(c, *in.SnsTopicName)
			if e != nil {
				return e
			}
			t.SnsTopicARN = arn
		}
	}
	if in.KmsKeyID != nil {
		t.KMSKeyID = ""
		if *in.KmsKeyID != "" {
			arn, e := kmsKeyARN(c, *in.KmsKeyID)
			if e != nil {
				return e
			}
			t.KMSKeyID = arn
		}
	}
	if in.IsOrganizationTrail != nil && *in.IsOrganizationTrail {
		return errOrganizations()
	}
	if in.IncludeGlobalServiceEvents != nil {
		t.IncludeGlobalServiceEvents = *in.IncludeGlobalServiceEvents
	}
	if in.IsMultiRegionTrail != nil {
		t.IsMultiRegionTrail = *in.IsMultiRegionTrail
	}
	if in.EnableLogFileValidation != nil {
		t.LogFileValidationEnabled = *in.EnableLogFileValidation
	}
	if in.CloudWatchLogsLogGroupArn != nil {
		t.CloudWatchLogsLogGroupARN = *in.CloudWatchLogsLogGroupArn
	}
	if in.CloudWatchLogsRoleArn != nil {
		t.CloudWatchLogsRoleARN = *in.CloudWatchLogsRoleArn
	}
	if in.CloudWatchLogsLogGroupArn != nil || in.CloudWatchLogsRoleArn != nil {
		if err := s.checkCloudWatchLogs(ctx, c, t.CloudWatchLogsLogGroupARN, t.CloudWatchLogsRoleARN); err != nil {
			return err
		}
	}
	if e := checkCombination(t); e != nil {
		return e
	}
	return nil
}

// UpdateTrail changes a trail's settings from its home region. Making a
// trail multi-region makes it visible in every region, subject to the
// per-region limit; the reverse withdraws its shadows.
func (s *Service) UpdateTrail(ctx context.Context, in *UpdateTrailInput) (*TrailOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.Name, write)
	if err != nil {
		return nil, err
	}
	// Outside the storage transaction: an external store is a network
	// call away.
	if in.S3BucketName != nil {
		if err := s.ensureBucket(ctx, c, *in.S3BucketName); err != nil {
			return nil, err
		}
	}
	var out *TrailOutput
	err = s.updateTrail(ctx, c, in.Name, t, func(t *trailwatch.Trail) error {
		if err := s.applySettings(ctx, c, t, in); err != nil {
			return err
		}
		out = trailOutput(t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateTrail runs fn on the stored trail t through storage, mapping the
// storage errors to CloudTrail's; fn's own errors pass through.
func (s *Service) updateTrail(ctx context.Context, c *trailwatch.Caller, given string, t trailwatch.Trail, fn func(*trailwatch.Trail) error) error {
	var fnErr error
	err := s.trails.UpdateTrail(ctx, t.AccountID, t.HomeRegion, t.Name, MaxTrailsPerRegion, func(t *trailwatch.Trail) error {
		fnErr = fn(t)
		return fnErr
	})
	switch {
	case fnErr != nil:
		return fnErr
	case errors.Is(err, storage.ErrNotFound):
		// Deleted since findTrail read it.
		return errTrailNotFound(given, c.AccountID)
	case errors.Is(err, storage.ErrExists):
		return errTrailExists(t.Name, c.AccountID)
	case errors.Is(err, storage.ErrLimitExceeded):
		return errTooManyTrails(c.AccountID, c.Region)
	case err != nil:
		return fmt.Errorf("update trail: %w", err)
	}
	return nil
}

// DeleteTrail deletes a trail from its home region. Delivered files stay
// where they are.
func (s *Service) DeleteTrail(ctx context.Context, in *TrailNameInput) (*EmptyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.Name, write)
	if err != nil {
		return nil, err
	}
	err = s.trails.DeleteTrail(ctx, t.AccountID, t.HomeRegion, t.Name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errTrailNotFound(in.Name, c.AccountID)
	}
	if err != nil {
		return nil, fmt.Errorf("delete trail: %w", err)
	}
	return &EmptyOutput{}, nil
}

// GetTrail returns one trail, a shadow too when named by ARN.
func (s *Service) GetTrail(ctx context.Context, in *TrailNameInput) (*GetTrailOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.Name, read)
	if err != nil {
		return nil, err
	}
	shape := trailShape(&t)
	return &GetTrailOutput{Trail: &shape}, nil
}

// DescribeTrails returns the trails named (names reach the caller's region
// only, ARNs shadows too), or with no names every trail visible in the
// region; shadows are left out when includeShadowTrails is false. Names
// and ARNs of trails that do not exist are skipped.
func (s *Service) DescribeTrails(ctx context.Context, in *DescribeTrailsInput) (*DescribeTrailsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	all, err := s.trails.ListTrails(ctx, c.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	out := &DescribeTrailsOutput{TrailList: []Trail{}}
	add := func(t *trailwatch.Trail) {
		if t.VisibleIn(c.Region) && (shadows || t.HomeRegion == c.Region) {
			out.TrailList = append(out.TrailList, trailShape(t))
		}
	}
	if len(in.TrailNameList) == 0 {
		// The region's own trails first, then the shadows.
		for i := range all {
			if all[i].HomeRegion == c.Region {
				add(&all[i])
			}
		}
		for i := range all {
			if all[i].HomeRegion != c.Region {
				add(&all[i])
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, given := range in.TrailNameList {
		ref, e := parseTrailRef(c, given)
		if e != nil {
			return nil, e
		}
		if ref.account != c.AccountID || seen[ref.arn()] {
			continue
		}
		seen[ref.arn()] = true
		for i := range all {
			if all[i].HomeRegion == ref.region && all[i].Name == ref.name {
				add(&all[i])
			}
		}
	}
	return out, nil
}

// listTrailsPage is how many trails one ListTrails page holds.
const listTrailsPage = 50

// ListTrails lists every trail of the account, in every region, with its
// home region, ordered by home region and name.
func (s *Service) ListTrails(ctx context.Context, in *ListTrailsInput) (*ListTrailsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.trails.ListTrails(ctx, c.AccountID)
	if err != nil {
		return nil, fmt.Errorf("list trails: %w", err)
	}
	start := 0
	if in.NextToken != "" {
		// The token is the (home region, name) of the last trail listed,
		// the order storage lists them in.
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		region, name, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok {
			return nil, errNextToken()
		}
		start = len(all)
		for i := range all {
			if all[i].HomeRegion > region || all[i].HomeRegion == region && all[i].Name > name {
				start = i
				break
			}
		}
	}
	out := &ListTrailsOutput{Trails: []TrailInfo{}}
	for i := start; i < len(all) && len(out.Trails) < listTrailsPage; i++ {
		t := &all[i]
		out.Trails = append(out.Trails, TrailInfo{TrailARN: t.ARN(), Name: t.Name, HomeRegion: t.HomeRegion})
	}
	if start+len(out.Trails) < len(all) {
		last := out.Trails[len(out.Trails)-1]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last.HomeRegion + "\x00" + last.Name))
	}
	return out, nil
}

// GetTrailStatus reports whether a trail is logging and what the delivery
// worker last recorded of it.
func (s *Service) GetTrailStatus(ctx context.Context, in *TrailNameInput) (*GetTrailStatusOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, in.Name, read)
	if err != nil {
		return nil, err
	}
	d := t.Delivery
	return &GetTrailStatusOutput{
		IsLogging:                          boolPtr(t.IsLogging),
		LatestDeliveryError:                d.LatestDeliveryError,
		LatestNotificationError:            d.LatestNotificationError,
		LatestDeliveryTime:                 timePtr(d.LatestDeliveryTime),
		LatestNotificationTime:             timePtr(d.LatestNotificationTime),
		StartLoggingTime:                   timePtr(t.StartLoggingTime),
		StopLoggingTime:                    timePtr(t.StopLoggingTime),
		LatestCloudWatchLogsDeliveryError:  d.LatestCloudWatchLogsDeliveryError,
		LatestCloudWatchLogsDeliveryTime:   timePtr(d.LatestCloudWatchLogsDeliveryTime),
		LatestDigestDeliveryTime:           timePtr(d.LatestDigestDeliveryTime),
		LatestDigestDeliveryError:          d.LatestDigestDeliveryError,
		LatestDeliveryAttemptTime:          isoTime(d.LatestDeliveryAttemptTime),
		LatestNotificationAttemptTime:      isoTime(d.LatestNotificationAttemptTime),
		LatestNotificationAttemptSucceeded: isoTime(d.LatestNotificationTime),
		LatestDeliveryAttemptSucceeded:     isoTime(d.LatestDeliveryTime),
		TimeLoggingStarted:                 isoTime(t.StartLoggingTime),
		TimeLoggingStopped:                 isoTime(t.StopLoggingTime),
	}, nil
}

// StartLogging turns recording on, from the trail's home region. Starting
// a trail that is logging changes nothing, its start time included.
func (s *Service) StartLogging(ctx context.Context, in *TrailNameInput) (*EmptyOutput, error) {
	return s.setLogging(ctx, in.Name, true)
}

// StopLogging turns recording off, from the trail's home region.
func (s *Service) StopLogging(ctx context.Context, in *TrailNameInput) (*EmptyOutput, error) {
	return s.setLogging(ctx, in.Name, false)
}

func (s *Service) setLogging(ctx context.Context, given string, on bool) (*EmptyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTrail(ctx, c, given, write)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	err = s.updateTrail(ctx, c, given, t, func(t *trailwatch.Trail) error {
		if t.IsLogging == on {
			return nil
		}
		t.IsLogging = on
		if on {
			t.StartLoggingTime = now
		} else {
			t.StopLoggingTime = now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

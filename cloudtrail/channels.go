package cloudtrail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awsapi"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// CloudTrail Lake channels (reference/cloudtrail.md §8): the doors through
// which PutAuditEvents (package cloudtraildata) takes events from the
// customer's own applications. Shapes and constraints are the model's
// (botocore cloudtrail 2013-11-01, CreateChannel … DeleteChannel).

const (
	// maxChannels is how many channels an account may have in a region.
	// AWS's quota is not in the reference; this value is trailwatch's.
	maxChannels = 25
	// maxListChannels is ListChannels' largest (and default) page.
	maxListChannels = 1000
	typeChannel     = "AWS::CloudTrail::Channel"
)

const (
	codeChannelNotFound        = "ChannelNotFoundException"
	codeChannelARNInvalid      = "ChannelARNInvalidException"
	codeChannelAlreadyExists   = "ChannelAlreadyExistsException"
	codeChannelMaxLimit        = "ChannelMaxLimitExceededException"
	codeInvalidSource          = "InvalidSourceException"
	codeEventDataStoreARN      = "EventDataStoreARNInvalidException"
	destinationEventDataStore  = "EVENT_DATA_STORE"
	destinationAWSService      = "AWS_SERVICE"
	channelResourcePrefix      = "channel/"
	eventDataStoreResourceType = "eventdatastore/"
)

// Destination is the Destination shape.
type Destination struct {
	Type     string `json:"Type" required:"true" enum:"EVENT_DATA_STORE|AWS_SERVICE"`
	Location string `json:"Location" required:"true" min:"3" max:"1024" pattern:"^[a-zA-Z0-9._/\\-:*]+$"`
}

// CreateChannelInput is CreateChannelRequest. The model requires one to
// 200 Destinations; trailwatch also accepts an empty list, since its
// channels feed event history and trails whether or not they name an
// event data store.
type CreateChannelInput struct {
	Name         string        `json:"Name" required:"true" min:"3" max:"128" pattern:"^[a-zA-Z0-9._\\-]+$"`
	Source       string        `json:"Source" required:"true" min:"1" max:"256"`
	Destinations []Destination `json:"Destinations" required:"true" max:"200"`
	Tags         []Tag         `json:"Tags" max:"200"`
}

// CreateChannelOutput is CreateChannelResponse.
type CreateChannelOutput struct {
	ChannelArn   string        `json:"ChannelArn"`
	Name         string        `json:"Name"`
	Source       string        `json:"Source"`
	Destinations []Destination `json:"Destinations"`
	Tags         []Tag         `json:"Tags"`
}

// ChannelInput is GetChannelRequest and DeleteChannelRequest.
type ChannelInput struct {
	Channel string `json:"Channel" required:"true" min:"3" max:"256" pattern:"^[a-zA-Z0-9._/\\-:]+$"`
}

// GetChannelOutput is GetChannelResponse.
type GetChannelOutput struct {
	ChannelArn      string           `json:"ChannelArn"`
	Name            string           `json:"Name"`
	Source          string           `json:"Source"`
	SourceConfig    *SourceConfig    `json:"SourceConfig"`
	Destinations    []Destination    `json:"Destinations"`
	IngestionStatus *IngestionStatus `json:"IngestionStatus"`
}

// SourceConfig is the SourceConfig shape: a custom channel applies to its
// region only and has no selectors of its own.
type SourceConfig struct {
	ApplyToAllRegions      bool                    `json:"ApplyToAllRegions"`
	AdvancedEventSelectors []AdvancedEventSelector `json:"AdvancedEventSelectors"`
}

// IngestionStatus is the IngestionStatus shape.
type IngestionStatus struct {
	LatestIngestionSuccessTime    *time.Time `json:"LatestIngestionSuccessTime"`
	LatestIngestionSuccessEventID string     `json:"LatestIngestionSuccessEventID"`
	LatestIngestionErrorCode      string     `json:"LatestIngestionErrorCode"`
	LatestIngestionAttemptTime    *time.Time `json:"LatestIngestionAttemptTime"`
	LatestIngestionAttemptEventID string     `json:"LatestIngestionAttemptEventID"`
}

// ListChannelsInput is ListChannelsRequest.
type ListChannelsInput struct {
	MaxResults *int32 `json:"MaxResults" min:"1" max:"1000"`
	NextToken  string `json:"NextToken" min:"4" max:"1000"`
}

// ListChannelsOutput is ListChannelsResponse.
type ListChannelsOutput struct {
	Channels  []ChannelSummary `json:"Channels"`
	NextToken string           `json:"NextToken"`
}

// ChannelSummary is the Channel shape of ListChannels.
type ChannelSummary struct {
	ChannelArn string `json:"ChannelArn"`
	Name       string `json:"Name"`
}

// UpdateChannelInput is UpdateChannelRequest. An empty Destinations list
// is accepted as in CreateChannelInput; an absent one leaves them alone.
type UpdateChannelInput struct {
	Channel      string        `json:"Channel" required:"true" min:"3" max:"256" pattern:"^[a-zA-Z0-9._/\\-:]+$"`
	Destinations []Destination `json:"Destinations" max:"200"`
	Name         string        `json:"Name" min:"3" max:"128" pattern:"^[a-zA-Z0-9._\\-]+$"`
}

// UpdateChannelOutput is UpdateChannelResponse.
type UpdateChannelOutput struct {
	ChannelArn   string        `json:"ChannelArn"`
	Name         string        `json:"Name"`
	Source       string        `json:"Source"`
	Destinations []Destination `json:"Destinations"`
}

// channelOperations is the channel part of the table. Operations on one
// channel are authorised against its ARN; CreateChannel and ListChannels
// against "*", as the channel's ARN does not exist before it is made.
func (s *Service) channelOperations() []*awsapi.Operation {
	byChannel := resources(func(c *trailwatch.Caller, in *ChannelInput) []trailwatch.Resource {
		return channelResource(c, in.Channel)
	})
	return []*awsapi.Operation{
		awsapi.Op(awsapi.Def[CreateChannelInput, CreateChannelOutput]{Name: "CreateChannel", Handle: s.CreateChannel}),
		awsapi.Op(awsapi.Def[ChannelInput, GetChannelOutput]{Name: "GetChannel", ReadOnly: true, Handle: s.GetChannel, Resources: byChannel}),
		awsapi.Op(awsapi.Def[ListChannelsInput, ListChannelsOutput]{Name: "ListChannels", ReadOnly: true, Handle: s.ListChannels}),
		awsapi.Op(awsapi.Def[UpdateChannelInput, UpdateChannelOutput]{
			Name: "UpdateChannel", Handle: s.UpdateChannel,
			Resources: resources(func(c *trailwatch.Caller, in *UpdateChannelInput) []trailwatch.Resource {
				return channelResource(c, in.Channel)
			}),
		}),
		awsapi.Op(awsapi.Def[ChannelInput, EmptyOutput]{Name: "DeleteChannel", Handle: s.DeleteChannel, Resources: byChannel}),
	}
}

// channelResource is the channel an input names, for authorisation and the
// record; an ID stands for the caller's channel in the caller's region.
func channelResource(c *trailwatch.Caller, ref string) []trailwatch.Resource {
	arn := ref
	if !strings.HasPrefix(ref, "arn:") {
		arn = trailwatch.ChannelARN(c.AccountID, c.Region, ref)
	}
	return []trailwatch.Resource{{ARN: arn, AccountID: c.AccountID, Type: typeChannel}}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ParseChannelRef resolves a channel named by ARN or by ID (the UUID that
// ends its ARN) to the account, region and ID it is stored under; an ID is
// the caller's channel in the caller's region. ok is false when ref is
// neither form.
func ParseChannelRef(c *trailwatch.Caller, ref string) (account, region, id string, ok bool) {
	if !strings.HasPrefix(ref, "arn:") {
		return c.AccountID, c.Region, ref, uuidRE.MatchString(ref)
	}
	a, err := trailwatch.ParseARN(ref)
	if err != nil || a.Partition != trailwatch.Partition || a.Service != "cloudtrail" ||
		a.Region == "" || !accountIDRE.MatchString(a.AccountID) || !strings.HasPrefix(a.Resource, channelResourcePrefix) {
		return "", "", "", false
	}
	id = strings.TrimPrefix(a.Resource, channelResourcePrefix)
	return a.AccountID, a.Region, id, uuidRE.MatchString(id)
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

func errChannelNotFound(ref string) *awserr.Error {
	return ctError(codeChannelNotFound, "Channel %s not found.", ref)
}

// findChannel resolves ref for the caller: ChannelARNInvalidException for
// a malformed reference, ChannelNotFoundException for a channel the caller
// has not got (another account's included).
func (s *Service) findChannel(ctx context.Context, c *trailwatch.Caller, ref string) (trailwatch.Channel, error) {
	account, region, id, ok := ParseChannelRef(c, ref)
	if !ok {
		return trailwatch.Channel{}, ctError(codeChannelARNInvalid, "The specified channel ARN %s is not valid.", ref)
	}
	if account != c.AccountID || region != c.Region {
		return trailwatch.Channel{}, errChannelNotFound(ref)
	}
	ch, err := s.channels.GetChannel(ctx, account, region, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ch, errChannelNotFound(ref)
	}
	return ch, err
}

// checkDestinations applies CreateChannel's and UpdateChannel's rules: a
// custom channel logs to event data stores of the caller's account and
// region, named by ARN, each once.
func checkDestinations(c *trailwatch.Caller, ds []Destination) ([]trailwatch.ChannelDestination, error) {
	out := make([]trailwatch.ChannelDestination, 0, len(ds))
	seen := map[string]bool{}
	for _, d := range ds {
		if d.Type != destinationEventDataStore {
			return nil, ctError(codeInvalidParameter, "Destination type %s is not valid for a channel with source Custom. Use EVENT_DATA_STORE.", d.Type)
		}
		a, err := trailwatch.ParseARN(d.Location)
		if err != nil || a.Service != "cloudtrail" || !strings.HasPrefix(a.Resource, eventDataStoreResourceType) ||
			len(a.Resource) == len(eventDataStoreResourceType) || a.AccountID != c.AccountID || a.Region != c.Region {
			return nil, ctError(codeEventDataStoreARN, "The specified event data store ARN %s is not valid or does not map to an event data store in your account.", d.Location)
		}
		if seen[d.Location] {
			return nil, ctError(codeInvalidParameter, "Destination %s appears more than once.", d.Location)
		}
		seen[d.Location] = true
		out = append(out, trailwatch.ChannelDestination{Type: d.Type, Location: d.Location})
	}
	return out, nil
}

func destinationShapes(ds []trailwatch.ChannelDestination) []Destination {
	out := make([]Destination, 0, len(ds))
	for _, d := range ds {
		out = append(out, Destination{Type: d.Type, Location: d.Location})
	}
	return out
}

// CreateChannel creates a channel with source Custom. Errors:
// InvalidSourceException for any other source (trailwatch has no partner
// integrations), ChannelAlreadyExistsException for a name the account
// already uses in the region, ChannelMaxLimitExceededException,
// EventDataStoreARNInvalidException and InvalidParameterException for bad
// destinations, InvalidTagParameterException and TagsLimitExceededException.
func (s *Service) CreateChannel(ctx context.Context, in *CreateChannelInput) (*CreateChannelOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if in.Source != trailwatch.ChannelSourceCustom {
		return nil, ctError(codeInvalidSource, "Source %s is not valid. Specify Custom or the name of a partner event source.", in.Source)
	}
	dests, err := checkDestinations(c, in.Destinations)
	if err != nil {
		return nil, err
	}
	tags, aerr := mergeTags(nil, in.Tags)
	if aerr != nil {
		return nil, aerr
	}
	ch := trailwatch.Channel{
		AccountID: c.AccountID, Region: c.Region, ID: newUUID(),
		Name: in.Name, Source: in.Source, Destinations: dests, Tags: tags,
		CreatedAt: s.now().UTC(),
	}
	switch err := s.channels.CreateChannel(ctx, ch, maxChannels); {
	case errors.Is(err, storage.ErrExists):
		return nil, ctError(codeChannelAlreadyExists, "Channel %s already exists.", in.Name)
	case errors.Is(err, storage.ErrLimitExceeded):
		return nil, ctError(codeChannelMaxLimit, "You have reached the maximum number of channels (%d) in this Region.", maxChannels)
	case err != nil:
		return nil, err
	}
	return &CreateChannelOutput{
		ChannelArn: ch.ARN(), Name: ch.Name, Source: ch.Source,
		Destinations: destinationShapes(ch.Destinations), Tags: tagShapes(ch.Tags),
	}, nil
}

// GetChannel describes a channel. ChannelARNInvalidException,
// ChannelNotFoundException.
func (s *Service) GetChannel(ctx context.Context, in *ChannelInput) (*GetChannelOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.findChannel(ctx, c, in.Channel)
	if err != nil {
		return nil, err
	}
	ing := ch.Ingestion
	return &GetChannelOutput{
		ChannelArn: ch.ARN(), Name: ch.Name, Source: ch.Source,
		SourceConfig: &SourceConfig{ApplyToAllRegions: false, AdvancedEventSelectors: []AdvancedEventSelector{}},
		Destinations: destinationShapes(ch.Destinations),
		IngestionStatus: &IngestionStatus{
			LatestIngestionSuccessTime:    timePtr(ing.LatestSuccessTime),
			LatestIngestionSuccessEventID: ing.LatestSuccessEventID,
			LatestIngestionErrorCode:      ing.LatestErrorCode,
			LatestIngestionAttemptTime:    timePtr(ing.LatestAttemptTime),
			LatestIngestionAttemptEventID: ing.LatestAttemptEventID,
		},
	}, nil
}

// ListChannels lists the caller's channels in the region, in ID order.
// InvalidNextTokenException for a token this service did not issue for the
// caller.
func (s *Service) ListChannels(ctx context.Context, in *ListChannelsInput) (*ListChannelsOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	limit := maxListChannels
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after := ""
	if in.NextToken != "" {
		var ok bool
		if after, ok = decodeChannelToken(c, in.NextToken); !ok {
			return nil, ctError(codeInvalidNextToken, "Invalid NextToken. The token is not valid or was issued for a request with different parameters.")
		}
	}
	// One more than the page says whether anything follows.
	chs, err := s.channels.ListChannels(ctx, c.AccountID, c.Region, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &ListChannelsOutput{Channels: []ChannelSummary{}}
	if len(chs) > limit {
		chs = chs[:limit]
		out.NextToken = encodeChannelToken(c, chs[len(chs)-1].ID)
	}
	for _, ch := range chs {
		out.Channels = append(out.Channels, ChannelSummary{ChannelArn: ch.ARN(), Name: ch.Name})
	}
	return out, nil
}

// Channel tokens name the last ID of a page, bound to the account and
// region they were issued in.
func encodeChannelToken(c *trailwatch.Caller, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ch1|" + c.AccountID + "|" + c.Region + "|" + id))
}

func decodeChannelToken(c *trailwatch.Caller, tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 4 || parts[0] != "ch1" || parts[1] != c.AccountID || parts[2] != c.Region || !uuidRE.MatchString(parts[3]) {
		return "", false
	}
	return parts[3], true
}

// UpdateChannel renames a channel or replaces its destinations.
// ChannelARNInvalidException, ChannelNotFoundException,
// ChannelAlreadyExistsException for a name another channel has, and the
// destination errors of CreateChannel.
func (s *Service) UpdateChannel(ctx context.Context, in *UpdateChannelInput) (*UpdateChannelOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.findChannel(ctx, c, in.Channel)
	if err != nil {
		return nil, err
	}
	var dests []trailwatch.ChannelDestination
	if in.Destinations != nil {
		if dests, err = checkDestinations(c, in.Destinations); err != nil {
			return nil, err
		}
	}
	var updated trailwatch.Channel
	err = s.channels.UpdateChannel(ctx, ch.AccountID, ch.Region, ch.ID, func(t *trailwatch.Channel) error {
		if in.Name != "" {
			t.Name = in.Name
		}
		if in.Destinations != nil {
			t.Destinations = dests
		}
		updated = *t
		return nil
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, errChannelNotFound(in.Channel)
	case errors.Is(err, storage.ErrExists):
		return nil, ctError(codeChannelAlreadyExists, "Channel %s already exists.", in.Name)
	case err != nil:
		return nil, err
	}
	return &UpdateChannelOutput{
		ChannelArn: updated.ARN(), Name: updated.Name, Source: updated.Source,
		Destinations: destinationShapes(updated.Destinations),
	}, nil
}

// DeleteChannel deletes a channel. ChannelARNInvalidException,
// ChannelNotFoundException.
func (s *Service) DeleteChannel(ctx context.Context, in *ChannelInput) (*EmptyOutput, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.findChannel(ctx, c, in.Channel)
	if err != nil {
		return nil, err
	}
	if err := s.channels.DeleteChannel(ctx, ch.AccountID, ch.Region, ch.ID); errors.Is(err, storage.ErrNotFound) {
		return nil, errChannelNotFound(in.Channel)
	} else if err != nil {
		return nil, fmt.Errorf("delete channel: %w", err)
	}
	return &EmptyOutput{}, nil
}

// newUUID returns a random (version 4) UUID, the form channel IDs take.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

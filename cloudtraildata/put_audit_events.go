package cloudtraildata

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// maxRequestBytes bounds the audit events of one request (1 MB;
// reference/cloudtrail.md §8).
const maxRequestBytes = 1 << 20

// PutAuditEventsInput is PutAuditEventsRequest. channelArn takes an ARN or
// a channel ID; the model's ^arn: pattern is not applied, since its own
// documentation accepts the ID.
type PutAuditEventsInput struct {
	AuditEvents []AuditEvent `json:"auditEvents" required:"true" min:"1" max:"100"`
	ChannelArn  string       `json:"channelArn" location:"querystring" name:"channelArn" required:"true"`
	ExternalID  string       `json:"externalId" location:"querystring" name:"externalId" min:"2" max:"1224" pattern:"^[\\w+=,.@:\\/-]*$"`
}

// AuditEvent is the AuditEvent shape.
type AuditEvent struct {
	EventData         string `json:"eventData" required:"true"`
	EventDataChecksum string `json:"eventDataChecksum"`
	ID                string `json:"id" required:"true" min:"1" max:"128" pattern:"^[-_A-Za-z0-9]+$"`
}

// PutAuditEventsOutput is PutAuditEventsResponse; both lists are always
// present.
type PutAuditEventsOutput struct {
	Failed     []ResultErrorEntry      `json:"failed"`
	Successful []AuditEventResultEntry `json:"successful"`
}

// AuditEventResultEntry is one stored event: the caller's id and the
// record's eventID.
type AuditEventResultEntry struct {
	EventID string `json:"eventID"`
	ID      string `json:"id"`
}

// ResultErrorEntry is one refused event.
type ResultErrorEntry struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	ID           string `json:"id"`
}

// PutAuditEvents checks each event and stores those that pass, in one
// batch, durably, before answering. Request errors: InvalidChannelARN,
// ChannelNotFound, ChannelInsufficientPermission (a channel of another
// account), DuplicatedAuditEventId, ValidationException beyond 1 MB.
// Events that fail the schema are listed in failed with their code; the
// others are stored whatever the rest do.
func (s *Service) PutAuditEvents(ctx context.Context, in *PutAuditEventsInput) (*PutAuditEventsOutput, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errors.New("cloudtraildata: PutAuditEvents called without a caller")
	}
	account, region, id, ok := parseChannelRef(c, in.ChannelArn)
	if !ok {
		return nil, errInvalidChannelARN(in.ChannelArn)
	}
	if account != c.AccountID {
		return nil, errInsufficientPermission(in.ChannelArn)
	}
	if region != c.Region {
		return nil, errChannelNotFound(in.ChannelArn)
	}
	ch, err := s.channels.GetChannel(ctx, account, region, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errChannelNotFound(in.ChannelArn)
	} else if err != nil {
		return nil, err
	}
	size := 0
	seen := make(map[string]bool, len(in.AuditEvents))
	for _, ae := range in.AuditEvents {
		if seen[ae.ID] {
			return nil, errDuplicatedID(ae.ID)
		}
		seen[ae.ID] = true
		size += len(ae.ID) + len(ae.EventData) + len(ae.EventDataChecksum)
	}
	if size > maxRequestBytes {
		return nil, errPayloadTooLarge(size)
	}

	now := s.now().UTC()
	at := now.Truncate(time.Second)
	meta := &trailwatch.EventMetadata{IngestionTime: at.Format("2006-01-02T15:04:05Z"), ChannelARN: ch.ARN()}
	out := &PutAuditEventsOutput{Failed: []ResultErrorEntry{}, Successful: []AuditEventResultEntry{}}
	evs := make([]trailwatch.Event, 0, len(in.AuditEvents))
	firstError := ""
	for _, ae := range in.AuditEvents {
		p, e := parseEventData(ae.EventData, ae.EventDataChecksum, ch.AccountID)
		if e != nil {
			out.Failed = append(out.Failed, ResultErrorEntry{ErrorCode: e.code, ErrorMessage: e.msg, ID: ae.ID})
			if firstError == "" {
				firstError = e.code
			}
			continue
		}
		ev := trailwatch.Event{
			EventVersion:       trailwatch.EventVersion,
			EventCategory:      trailwatch.CategoryActivityAuditLog,
			EventType:          trailwatch.EventTypeActivityLog,
			EventID:            newEventID(now),
			EventTime:          at,
			AWSRegion:          ch.Region,
			RecipientAccountID: ch.AccountID,
			Addendum:           p.addendum,
			Metadata:           meta,
		}
		if err := ev.SetEventData(p.data); err != nil {
			// parseEventData accepted it as an object; not reading it
			// back is a bug.
			panic("BUG: accepted eventData does not read back: " + err.Error())
		}
		evs = append(evs, ev)
		out.Successful = append(out.Successful, AuditEventResultEntry{EventID: ev.EventID, ID: ae.ID})
	}
	if len(evs) > 0 {
		if err := s.events.PutEvents(ctx, evs); err != nil {
			return nil, fmt.Errorf("store audit events: %w", err)
		}
	}
	ing := ch.Ingestion
	ing.LatestAttemptTime = now
	ing.LatestErrorCode = firstError
	if len(evs) > 0 {
		last := evs[len(evs)-1].EventID
		ing.LatestAttemptEventID = last
		ing.LatestSuccessTime, ing.LatestSuccessEventID = now, last
	}
	if err := s.channels.SetChannelIngestion(ctx, ch.AccountID, ch.Region, ch.ID, ing); err != nil && !errors.Is(err, storage.ErrNotFound) {
		// The events are stored; the status is only a report on them, and a
		// channel deleted meanwhile has none to keep.
		return nil, fmt.Errorf("record channel ingestion: %w", err)
	}
	return out, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// parseChannelRef resolves a channel named by ARN
// (arn:aws:cloudtrail:REGION:ACCOUNT:channel/ID) or by ID, which is the
// caller's channel in the caller's region. ok is false for anything else.
func parseChannelRef(c *trailwatch.Caller, ref string) (account, region, id string, ok bool) {
	if !strings.HasPrefix(ref, "arn:") {
		return c.AccountID, c.Region, ref, uuidRE.MatchString(ref)
	}
	a, err := trailwatch.ParseARN(ref)
	if err != nil || a.Partition != trailwatch.Partition || a.Service != "cloudtrail" || a.Region == "" ||
		!accountRE.MatchString(a.AccountID) || !strings.HasPrefix(a.Resource, "channel/") {
		return "", "", "", false
	}
	id = strings.TrimPrefix(a.Resource, "channel/")
	return a.AccountID, a.Region, id, uuidRE.MatchString(id)
}

// newEventID returns a time-ordered UUID (version 7), as the front door
// gives its records, so that a batch's index entries sit together.
func newEventID(t time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	ms := uint64(t.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

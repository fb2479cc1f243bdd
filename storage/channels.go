package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/trailwatch/trailwatch"
)

// Channels holds CloudTrail Lake channels (trailwatch.Channel), keyed by
// account, region and ID. Names are unique within an account and region.
type Channels interface {
	// CreateChannel stores c. ErrExists when the account already has a
	// channel of that name (or that ID) in the region; ErrLimitExceeded
	// when the region already holds maxPerRegion channels of the account.
	// Both are checked atomically with the write.
	CreateChannel(ctx context.Context, c trailwatch.Channel, maxPerRegion int) error
	// GetChannel returns ErrNotFound.
	GetChannel(ctx context.Context, account, region, id string) (trailwatch.Channel, error)
	// ListChannels returns up to limit channels of the account in the
	// region whose ID sorts after `after` ("" = from the start), in ID order.
	ListChannels(ctx context.Context, account, region, after string, limit int) ([]trailwatch.Channel, error)
	// UpdateChannel reads the channel, lets fn change it and stores the
	// result, atomically. Only Name and Destinations are written back.
	// ErrNotFound; ErrExists when the new name is another channel's; fn's
	// error is returned as is and nothing is written.
	UpdateChannel(ctx context.Context, account, region, id string, fn func(*trailwatch.Channel) error) error
	// DeleteChannel removes the channel. ErrNotFound.
	DeleteChannel(ctx context.Context, account, region, id string) error
	// SetChannelIngestion replaces the channel's ingestion status without
	// touching anything else. ErrNotFound.
	SetChannelIngestion(ctx context.Context, account, region, id string, s trailwatch.ChannelIngestion) error
}

// EncodeChannelJSON encodes the JSON columns both backends keep a
// channel's destinations, tags and ingestion status in.
func EncodeChannelJSON(c *trailwatch.Channel) (dests, tags, ingestion string, err error) {
	for _, f := range []struct {
		dst *string
		v   any
	}{{&dests, c.Destinations}, {&tags, c.Tags}, {&ingestion, c.Ingestion}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return "", "", "", fmt.Errorf("encode channel %s: %w", c.ID, err)
		}
		*f.dst = string(b)
	}
	return dests, tags, ingestion, nil
}

// DecodeChannelJSON reverses EncodeChannelJSON into c.
func DecodeChannelJSON(c *trailwatch.Channel, dests, tags, ingestion string) error {
	for _, f := range []struct {
		src string
		dst any
	}{{dests, &c.Destinations}, {tags, &c.Tags}, {ingestion, &c.Ingestion}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return fmt.Errorf("decode channel %s: %w", c.ID, err)
		}
	}
	return nil
}

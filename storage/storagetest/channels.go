package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

func testChannels(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.store(t)
	ch := s.Channels()
	created := time.Date(2025, 3, 1, 12, 0, 0, 123, time.UTC)
	v := "v"
	a := trailwatch.Channel{
		AccountID: "111111111111", Region: "us-east-1", ID: "00000000-0000-4000-8000-00000000000a",
		Name: "app-a", Source: trailwatch.ChannelSourceCustom,
		Destinations: []trailwatch.ChannelDestination{{Type: "EVENT_DATA_STORE", Location: "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x"}},
		Tags:         []trailwatch.Tag{{Key: "k", Value: &v}, {Key: "bare"}},
		CreatedAt:    created,
	}
	if err := ch.CreateChannel(ctx, a, 3); err != nil {
		t.Fatalf("CreateChannel: %v", err)
	}
	got, err := ch.GetChannel(ctx, a.AccountID, a.Region, a.ID)
	if err != nil {
		t.Fatalf("GetChannel: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetChannel (-want +got):\n%s", diff)
	}

	// Names are unique per account and region; IDs too.
	dup := a
	dup.ID = "00000000-0000-4000-8000-00000000000b"
	if err := ch.CreateChannel(ctx, dup, 3); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateChannel with a taken name: %v, want ErrExists", err)
	}
	dup = a
	dup.Name = "other"
	if err := ch.CreateChannel(ctx, dup, 3); !errors.Is(err, storage.ErrExists) {
		t.Errorf("CreateChannel with a taken id: %v, want ErrExists", err)
	}
	// Another region or account may reuse the name.
	for _, c := range []trailwatch.Channel{
		{AccountID: a.AccountID, Region: "eu-west-1", ID: "00000000-0000-4000-8000-00000000000c", Name: "app-a", Source: "Custom", CreatedAt: created},
		{AccountID: "222222222222", Region: a.Region, ID: "00000000-0000-4000-8000-00000000000d", Name: "app-a", Source: "Custom", CreatedAt: created},
	} {
		if err := ch.CreateChannel(ctx, c, 3); err != nil {
			t.Errorf("CreateChannel %s/%s: %v", c.AccountID, c.Region, err)
		}
	}
	if _, err := ch.GetChannel(ctx, "222222222222", "us-east-1", a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetChannel of another account: %v, want ErrNotFound", err)
	}

	// The limit counts the account's channels in the region.
	for i, name := range []string{"app-b", "app-c"} {
		c := trailwatch.Channel{AccountID: a.AccountID, Region: a.Region, ID: fmt.Sprintf("00000000-0000-4000-8000-0000000001%02d", i), Name: name, Source: "Custom", CreatedAt: created}
		if err := ch.CreateChannel(ctx, c, 3); err != nil {
			t.Fatalf("CreateChannel %s: %v", name, err)
		}
	}
	over := trailwatch.Channel{AccountID: a.AccountID, Region: a.Region, ID: "00000000-0000-4000-8000-0000000002ff", Name: "app-d", Source: "Custom", CreatedAt: created}
	if err := ch.CreateChannel(ctx, over, 3); !errors.Is(err, storage.ErrLimitExceeded) {
		t.Errorf("CreateChannel over the limit: %v, want ErrLimitExceeded", err)
	}

	// Listing pages by ID.
	page, err := ch.ListChannels(ctx, a.AccountID, a.Region, "", 2)
	if err != nil {
		t.Fatalf("ListChannels: %v", err)
	}
	if ids := channelIDs(page); !cmp.Equal(ids, []string{a.ID, "00000000-0000-4000-8000-000000000100"}) {
		t.Errorf("ListChannels page 1 = %v", ids)
	}
	page, err = ch.ListChannels(ctx, a.AccountID, a.Region, page[1].ID, 2)
	if err != nil {
		t.Fatalf("ListChannels: %v", err)
	}
	if ids := channelIDs(page); !cmp.Equal(ids, []string{"00000000-0000-4000-8000-000000000101"}) {
		t.Errorf("ListChannels page 2 = %v", ids)
	}
	if page, err := ch.ListChannels(ctx, "333333333333", a.Region, "", 10); err != nil || len(page) != 0 {
		t.Errorf("ListChannels of an empty account = %v, %v", page, err)
	}

	// Updates write the name and destinations only.
	err = ch.UpdateChannel(ctx, a.AccountID, a.Region, a.ID, func(c *trailwatch.Channel) error {
		c.Name = "renamed"
		c.Destinations = nil
		c.Source = "changed"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateChannel: %v", err)
	}
	got, _ = ch.GetChannel(ctx, a.AccountID, a.Region, a.ID)
	if got.Name != "renamed" || len(got.Destinations) != 0 || got.Source != "Custom" {
		t.Errorf("after UpdateChannel: %+v", got)
	}
	err = ch.UpdateChannel(ctx, a.AccountID, a.Region, a.ID, func(c *trailwatch.Channel) error { c.Name = "app-b"; return nil })
	if !errors.Is(err, storage.ErrExists) {
		t.Errorf("UpdateChannel to a taken name: %v, want ErrExists", err)
	}
	boom := errors.New("boom")
	if err := ch.UpdateChannel(ctx, a.AccountID, a.Region, a.ID, func(c *trailwatch.Channel) error { c.Name = "x"; return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateChannel with a failing fn: %v", err)
	}
	if got, _ := ch.GetChannel(ctx, a.AccountID, a.Region, a.ID); got.Name != "renamed" {
		t.Errorf("a failing fn wrote %q", got.Name)
	}
	if err := ch.UpdateChannel(ctx, a.AccountID, a.Region, "nope", func(*trailwatch.Channel) error { return nil }); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateChannel of a missing channel: %v", err)
	}

	// Ingestion status.
	st := trailwatch.ChannelIngestion{
		LatestSuccessTime: created.Add(time.Minute), LatestSuccessEventID: "e1",
		LatestAttemptTime: created.Add(2 * time.Minute), LatestAttemptEventID: "e2", LatestErrorCode: "InvalidData",
	}
	if err := ch.SetChannelIngestion(ctx, a.AccountID, a.Region, a.ID, st); err != nil {
		t.Fatalf("SetChannelIngestion: %v", err)
	}
	got, _ = ch.GetChannel(ctx, a.AccountID, a.Region, a.ID)
	if diff := cmp.Diff(st, got.Ingestion); diff != "" {
		t.Errorf("ingestion (-want +got):\n%s", diff)
	}
	if got.Name != "renamed" {
		t.Errorf("SetChannelIngestion changed the name to %q", got.Name)
	}
	if err := ch.SetChannelIngestion(ctx, a.AccountID, a.Region, "nope", st); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SetChannelIngestion of a missing channel: %v", err)
	}

	// Delete.
	if err := ch.DeleteChannel(ctx, a.AccountID, a.Region, a.ID); err != nil {
		t.Fatalf("DeleteChannel: %v", err)
	}
	if err := ch.DeleteChannel(ctx, a.AccountID, a.Region, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second DeleteChannel: %v, want ErrNotFound", err)
	}
	if _, err := ch.GetChannel(ctx, a.AccountID, a.Region, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetChannel after delete: %v", err)
	}
	// The freed slot and name can be used again.
	if err := ch.CreateChannel(ctx, over, 3); err != nil {
		t.Errorf("CreateChannel after a delete: %v", err)
	}
}

// testChannelsConcurrentCreate checks the limit holds when many creates race.
func testChannelsConcurrentCreate(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	ch := h.store(t).Channels()
	const limit, tries = 4, 12
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = ch.CreateChannel(ctx, trailwatch.Channel{
				AccountID: "111111111111", Region: "us-east-1", ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
				Name: fmt.Sprintf("c%d", i), Source: "Custom", CreatedAt: time.Unix(1, 0).UTC(),
			}, limit)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, storage.ErrLimitExceeded):
			t.Errorf("CreateChannel: %v", err)
		}
	}
	if ok != limit {
		t.Errorf("%d creates succeeded, want %d", ok, limit)
	}
}

func channelIDs(cs []trailwatch.Channel) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

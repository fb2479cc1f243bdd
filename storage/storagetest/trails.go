package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// maxTrails is the per-region limit the trail tests pass, CloudTrail's 5.
const maxTrails = 5

// trail returns a single-region trail with the settings CreateTrail fills
// in by default.
func trail(account, region, name string) trailwatch.Trail {
	return trailwatch.Trail{
		AccountID: account, HomeRegion: region, Name: name,
		S3BucketName: "audit-bucket", IncludeGlobalServiceEvents: true,
		CreatedAt: time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC),
	}
}

func trailNames(ts []trailwatch.Trail) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.HomeRegion+"/"+t.Name)
	}
	return out
}

func testTrails(t *testing.T, h *harness) {
	t.Parallel()
	s := h.store(t).Trails()

	// Every field round-trips, including the JSON-held ones and a tag
	// without a value.
	full := trail(acctA, east, "everything")
	full.S3KeyPrefix = "prefix/a"
	full.SnsTopicARN = "arn:aws:sns:us-east-1:111111111111:topic"
	full.LogFileValidationEnabled = true
	full.CloudWatchLogsLogGroupARN = "arn:aws:logs:us-east-1:111111111111:log-group:ct:*"
	full.CloudWatchLogsRoleARN = "arn:aws:iam::111111111111:role/ct"
	full.KMSKeyID = "arn:aws:kms:us-east-1:111111111111:key/k"
	full.HasCustomEventSelectors = true
	full.EventSelectors = []trailwatch.EventSelector{{
		ReadWriteType: "WriteOnly", IncludeManagementEvents: true,
		DataResources:                 []trailwatch.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::b/"}}},
		ExcludeManagementEventSources: []string{"kms.amazonaws.com"},
	}}
	v := "v"
	full.Tags = []trailwatch.Tag{{Key: "z", Value: &v}, {Key: "a"}}
	full.IsLogging = true
	full.StartLoggingTime = time.Date(2024, 3, 2, 0, 0, 0, 1, time.UTC)
	must(t, "create", s.CreateTrail(ctx, full, maxTrails))
	got, err := s.GetTrail(ctx, acctA, east, "everything")
	must(t, "get", err)
	diff(t, "trail as created", full, got)
	wantErr(t, "create again", s.CreateTrail(ctx, full, maxTrails), storage.ErrExists)

	adv := trail(acctA, east, "advanced")
	adv.HasCustomEventSelectors = true
	adv.AdvancedEventSelectors = []trailwatch.AdvancedEventSelector{{Name: "mgmt", FieldSelectors: []trailwatch.AdvancedFieldSelector{
		{Field: "eventCategory", Equals: []string{"Management"}},
		{Field: "eventSource", NotEquals: []string{"kms.amazonaws.com"}},
	}}}
	must(t, "create advanced", s.CreateTrail(ctx, adv, maxTrails))
	got, err = s.GetTrail(ctx, acctA, east, "advanced")
	must(t, "get advanced", err)
	diff(t, "advanced trail", adv, got)

	_, err = s.GetTrail(ctx, acctA, west, "everything")
	wantErr(t, "get in another region", err, storage.ErrNotFound)
	_, err = s.GetTrail(ctx, acctB, east, "everything")
	wantErr(t, "get in another account", err, storage.ErrNotFound)
	_, err = s.GetTrail(ctx, acctA, east, "EVERYTHING")
	wantErr(t, "names are case-sensitive", err, storage.ErrNotFound)

	// The same name lives apart in another account and in another region
	// while neither trail is multi-region.
	must(t, "same name, other account", s.CreateTrail(ctx, trail(acctB, east, "everything"), maxTrails))
	must(t, "same name, other region", s.CreateTrail(ctx, trail(acctA, west, "everything"), maxTrails))
	list, err := s.ListTrails(ctx, acctA)
	must(t, "list", err)
	diff(t, "account A's trails", []string{"eu-west-1/everything", "us-east-1/advanced", "us-east-1/everything"}, trailNames(list))

	// UpdateTrail writes what fn changed and nothing of the key.
	must(t, "update", s.UpdateTrail(ctx, acctA, east, "advanced", maxTrails, func(tr *trailwatch.Trail) error {
		tr.S3BucketName = "other"
		tr.IsLogging = true
		tr.StopLoggingTime = time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
		tr.AdvancedEventSelectors = nil
		tr.Name, tr.HomeRegion, tr.AccountID = "renamed", west, acctB
		return nil
	}))
	got, err = s.GetTrail(ctx, acctA, east, "advanced")
	must(t, "get updated", err)
	want := adv
	want.S3BucketName, want.IsLogging = "other", true
	want.StopLoggingTime = time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	want.AdvancedEventSelectors = nil
	diff(t, "updated trail", want, got)

	sentinel := errors.New("refused")
	err = s.UpdateTrail(ctx, acctA, east, "advanced", maxTrails, func(tr *trailwatch.Trail) error {
		tr.S3BucketName = "never"
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("update whose fn fails: got %v, want fn's error as is", err)
	}
	got, _ = s.GetTrail(ctx, acctA, east, "advanced")
	if got.S3BucketName != "other" {
		t.Errorf("a failed update wrote bucket %q", got.S3BucketName)
	}
	wantErr(t, "update missing", s.UpdateTrail(ctx, acctA, east, "missing", maxTrails, func(*trailwatch.Trail) error { return nil }), storage.ErrNotFound)

	// Delivery state is written alone, and UpdateTrail leaves it alone.
	at := time.Date(2024, 3, 4, 5, 6, 7, 8, time.UTC)
	must(t, "delivery", s.UpdateTrailDelivery(ctx, acctA, east, "advanced", func(d *trailwatch.TrailDelivery) {
		d.LatestDeliveryAttemptTime = at
		d.LatestDeliveryError = "AccessDenied"
		d.LatestDigestDeliveryTime = at.Add(time.Hour)
	}))
	must(t, "delivery again", s.UpdateTrailDelivery(ctx, acctA, east, "advanced", func(d *trailwatch.TrailDelivery) {
		d.LatestCloudWatchLogsDeliveryTime = at.Add(2 * time.Hour)
	}))
	must(t, "update after delivery", s.UpdateTrail(ctx, acctA, east, "advanced", maxTrails, func(tr *trailwatch.Trail) error {
		tr.Delivery = trailwatch.TrailDelivery{}
		return nil
	}))
	got, _ = s.GetTrail(ctx, acctA, east, "advanced")
	diff(t, "delivery state", trailwatch.TrailDelivery{
		LatestDeliveryAttemptTime: at, LatestDeliveryError: "AccessDenied",
		LatestDigestDeliveryTime: at.Add(time.Hour), LatestCloudWatchLogsDeliveryTime: at.Add(2 * time.Hour),
	}, got.Delivery)
	if got.S3BucketName != "other" {
		t.Errorf("UpdateTrailDelivery changed the bucket to %q", got.S3BucketName)
	}
	must(t, "clear error", s.UpdateTrailDelivery(ctx, acctA, east, "advanced", func(d *trailwatch.TrailDelivery) {
		d.LatestDeliveryError = ""
		d.LatestDeliveryTime = at
	}))
	got, _ = s.GetTrail(ctx, acctA, east, "advanced")
	if got.Delivery.LatestDeliveryError != "" || !got.Delivery.LatestDeliveryTime.Equal(at) {
		t.Errorf("delivery after success = %+v", got.Delivery)
	}
	wantErr(t, "delivery of missing", s.UpdateTrailDelivery(ctx, acctA, east, "missing", func(*trailwatch.TrailDelivery) {}), storage.ErrNotFound)

	// The worker's state starts nil, is written with the Delivery fn
	// leaves, survives UpdateTrail, and is not written when fn fails.
	must(t, "state", s.UpdateTrailDeliveryState(ctx, acctA, east, "advanced", func(tr *trailwatch.Trail, state *[]byte) error {
		if *state != nil {
			t.Errorf("first state = %q, want nil", *state)
		}
		if tr.S3BucketName != "other" {
			t.Errorf("state fn sees bucket %q", tr.S3BucketName)
		}
		*state = []byte(`{"cursor":1}`)
		tr.Delivery.LatestDigestDeliveryError = "NoSuchBucket"
		return nil
	}))
	must(t, "update after state", s.UpdateTrail(ctx, acctA, east, "advanced", maxTrails, func(*trailwatch.Trail) error { return nil }))
	err = s.UpdateTrailDeliveryState(ctx, acctA, east, "advanced", func(tr *trailwatch.Trail, state *[]byte) error {
		if string(*state) != `{"cursor":1}` || tr.Delivery.LatestDigestDeliveryError != "NoSuchBucket" {
			t.Errorf("state read back %q, delivery %+v", *state, tr.Delivery)
		}
		*state = []byte("never")
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("state update whose fn fails: got %v, want fn's error", err)
	}
	must(t, "state unchanged", s.UpdateTrailDeliveryState(ctx, acctA, east, "advanced", func(tr *trailwatch.Trail, state *[]byte) error {
		if string(*state) != `{"cursor":1}` {
			t.Errorf("a failed state update wrote %q", *state)
		}
		return nil
	}))
	wantErr(t, "state of missing", s.UpdateTrailDeliveryState(ctx, acctA, east, "missing", func(*trailwatch.Trail, *[]byte) error { return nil }), storage.ErrNotFound)

	must(t, "delete", s.DeleteTrail(ctx, acctA, east, "advanced"))
	_, err = s.GetTrail(ctx, acctA, east, "advanced")
	wantErr(t, "get deleted", err, storage.ErrNotFound)
	wantErr(t, "delete again", s.DeleteTrail(ctx, acctA, east, "advanced"), storage.ErrNotFound)
	got, err = s.GetTrail(ctx, acctB, east, "everything")
	must(t, "the other account's trail survives", err)
}

func testTrailPlacement(t *testing.T, h *harness) {
	t.Parallel()
	s := h.store(t).Trails()
	const (
		south = "sa-east-1"
		north = "eu-north-1"
	)
	multi := func(account, region, name string) trailwatch.Trail {
		tr := trail(account, region, name)
		tr.IsMultiRegionTrail = true
		return tr
	}

	// A multi-region trail's name is taken in every region.
	must(t, "multi", s.CreateTrail(ctx, multi(acctA, east, "org"), maxTrails))
	wantErr(t, "single-region namesake elsewhere", s.CreateTrail(ctx, trail(acctA, west, "org"), maxTrails), storage.ErrExists)
	wantErr(t, "multi-region namesake elsewhere", s.CreateTrail(ctx, multi(acctA, west, "org"), maxTrails), storage.ErrExists)
	must(t, "namesake in another account", s.CreateTrail(ctx, multi(acctB, west, "org"), maxTrails))

	// A single-region trail's name blocks a multi-region namesake elsewhere.
	must(t, "local", s.CreateTrail(ctx, trail(acctA, west, "local"), maxTrails))
	wantErr(t, "multi-region over a local name", s.CreateTrail(ctx, multi(acctA, east, "local"), maxTrails), storage.ErrExists)

	// The limit counts multi-region trails in every region: west has org
	// (a shadow) and local; three more fit, a fourth does not.
	for i := range 3 {
		must(t, "fill west", s.CreateTrail(ctx, trail(acctA, west, fmt.Sprintf("w%d", i)), maxTrails))
	}
	wantErr(t, "sixth in west", s.CreateTrail(ctx, trail(acctA, west, "w9"), maxTrails), storage.ErrLimitExceeded)
	// Another region still has room for four of its own...
	must(t, "south", s.CreateTrail(ctx, trail(acctA, south, "s0"), maxTrails))
	// ...but no multi-region trail fits, since west is full.
	wantErr(t, "multi-region while west is full", s.CreateTrail(ctx, multi(acctA, north, "m2"), maxTrails), storage.ErrLimitExceeded)
	// Nor may an existing trail become multi-region.
	err := s.UpdateTrail(ctx, acctA, south, "s0", maxTrails, func(tr *trailwatch.Trail) error {
		tr.IsMultiRegionTrail = true
		return nil
	})
	wantErr(t, "make multi-region while west is full", err, storage.ErrLimitExceeded)
	got, _ := s.GetTrail(ctx, acctA, south, "s0")
	if got.IsMultiRegionTrail {
		t.Errorf("a refused update made s0 multi-region")
	}
	must(t, "free west", s.DeleteTrail(ctx, acctA, west, "w2"))
	must(t, "make multi-region", s.UpdateTrail(ctx, acctA, south, "s0", maxTrails, func(tr *trailwatch.Trail) error {
		tr.IsMultiRegionTrail = true
		return nil
	}))
	must(t, "north", s.CreateTrail(ctx, trail(acctA, north, "n0"), maxTrails))
	err = s.UpdateTrail(ctx, acctA, north, "n0", maxTrails, func(tr *trailwatch.Trail) error {
		tr.IsMultiRegionTrail = true
		return nil
	})
	wantErr(t, "multi-region with west full again", err, storage.ErrLimitExceeded)
	must(t, "local elsewhere", s.CreateTrail(ctx, trail(acctA, north, "local2"), maxTrails))
	must(t, "delete local", s.DeleteTrail(ctx, acctA, west, "local"))
	err = s.UpdateTrail(ctx, acctA, north, "local2", maxTrails, func(tr *trailwatch.Trail) error {
		tr.IsMultiRegionTrail = true
		return nil
	})
	must(t, "multi-region after room was made", err)
	// West now holds three multi-region trails and two of its own.
	wantErr(t, "west full again", s.CreateTrail(ctx, trail(acctA, west, "local"), maxTrails), storage.ErrLimitExceeded)
	must(t, "free another", s.DeleteTrail(ctx, acctA, west, "w1"))
	wantErr(t, "west local2 taken by the multi-region trail", s.CreateTrail(ctx, trail(acctA, west, "local2"), maxTrails), storage.ErrExists)
	must(t, "recreate west local", s.CreateTrail(ctx, trail(acctA, west, "local"), maxTrails))

	// Concurrent creations never exceed the limit.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateTrail(ctx, trail(acctC, east, fmt.Sprintf("c%d", i)), maxTrails)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, storage.ErrLimitExceeded):
			t.Errorf("concurrent create: %v", err)
		}
	}
	list, err := s.ListTrails(ctx, acctC)
	must(t, "list", err)
	if ok != maxTrails || len(list) != maxTrails {
		t.Errorf("%d concurrent creations succeeded and %d trails stored, want %d", ok, len(list), maxTrails)
	}
}

func testTrailsDurability(t *testing.T, h *harness) {
	t.Parallel()
	name := h.newName()
	s, closeNow := h.openNamed(t, name)
	tr := trail(acctA, east, "kept")
	tr.IsLogging = true
	must(t, "create", s.Trails().CreateTrail(ctx, tr, maxTrails))
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	must(t, "delivery", s.Trails().UpdateTrailDelivery(ctx, acctA, east, "kept", func(d *trailwatch.TrailDelivery) {
		d.LatestDeliveryTime = at
	}))
	closeNow()
	s, _ = h.openNamed(t, name)
	got, err := s.Trails().GetTrail(ctx, acctA, east, "kept")
	must(t, "get after reopen", err)
	tr.Delivery.LatestDeliveryTime = at
	diff(t, "trail after reopen", tr, got)
}

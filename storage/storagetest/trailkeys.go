package storagetest

import (
	"sync"
	"testing"

	"github.com/trailwatch/trailwatch/storage"
)

func trailKey(account, region, fp string, from, until int) storage.TrailKey {
	return storage.TrailKey{AccountID: account, Region: region, Fingerprint: fp,
		PublicKey: []byte("pub-" + fp), SealedPrivateKey: []byte("sealed-" + fp),
		ValidFrom: ts(from), ValidUntil: ts(until)}
}

func testTrailKeys(t *testing.T, h *harness) {
	t.Parallel()
	s := h.store(t)
	keys := s.TrailKeys()
	_, err := keys.CurrentTrailKey(ctx, "111111111111", "us-east-1")
	wantErr(t, "current key of a fresh region", err, storage.ErrNotFound)

	k1 := trailKey("111111111111", "us-east-1", "fp1", 0, 1000)
	wantErr(t, "add with a stale current", keys.AddTrailKey(ctx, k1, "fp0"), storage.ErrConflict)
	must(t, "add first", keys.AddTrailKey(ctx, k1, ""))
	wantErr(t, "add first twice", keys.AddTrailKey(ctx, trailKey("111111111111", "us-east-1", "fpx", 5, 10), ""), storage.ErrConflict)
	got, err := keys.CurrentTrailKey(ctx, "111111111111", "us-east-1")
	must(t, "current", err)
	diff(t, "current", k1, got)

	k2 := trailKey("111111111111", "us-east-1", "fp2", 1000, 2000)
	must(t, "rotate", keys.AddTrailKey(ctx, k2, "fp1"))
	wantErr(t, "rotate from a superseded key", keys.AddTrailKey(ctx, trailKey("111111111111", "us-east-1", "fp3", 1500, 2500), "fp1"), storage.ErrConflict)
	wantErr(t, "reuse a fingerprint", keys.AddTrailKey(ctx, trailKey("111111111111", "us-east-1", "fp1", 3000, 4000), "fp2"), storage.ErrExists)
	// Other regions and accounts have their own keys.
	must(t, "other region", keys.AddTrailKey(ctx, trailKey("111111111111", "eu-west-1", "fp4", 0, 1000), ""))
	must(t, "other account", keys.AddTrailKey(ctx, trailKey("222222222222", "us-east-1", "fp5", 0, 1000), ""))

	got, err = keys.CurrentTrailKey(ctx, "111111111111", "us-east-1")
	must(t, "current after rotation", err)
	diff(t, "current after rotation", k2, got)
	for _, tc := range []struct {
		name       string
		start, end int
		want       []storage.TrailKey
	}{
		{"both", 0, 3000, []storage.TrailKey{k1, k2}},
		{"old only", 10, 20, []storage.TrailKey{k1}},
		{"touching the boundary", 1000, 1000, []storage.TrailKey{k1, k2}},
		{"new only", 1500, 5000, []storage.TrailKey{k2}},
		{"after every key", 2001, 3000, nil},
	} {
		got, err := keys.ListTrailKeys(ctx, "111111111111", "us-east-1", ts(tc.start), ts(tc.end))
		must(t, tc.name, err)
		diff(t, tc.name, tc.want, got)
	}

	// Racing rotations: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = keys.AddTrailKey(ctx, trailKey("111111111111", "us-east-1", "race"+string(rune('a'+i)), 2000+i, 3000), "fp2")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			wantErr(t, "losing rotation", err, storage.ErrConflict)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent rotations won, want 1", won)
	}
}

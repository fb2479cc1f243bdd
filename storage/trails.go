package storage

import (
	"context"

	"github.com/trailwatch/trailwatch"
)

// Trails holds CloudTrail trails. A trail is keyed by account, home region
// and name; a multi-region trail is stored once and is visible in every
// region (trailwatch.Trail.VisibleIn).
//
// Placement rules (reference/cloudtrail.md §5.1), checked atomically with
// the write by CreateTrail and UpdateTrail: no two trails of an account with
// the same name are visible in the same region (ErrExists), and no region
// has more than maxPerRegion trails visible in it (ErrLimitExceeded); a
// multi-region trail counts in every region.
type Trails interface {
	// CreateTrail stores t. ErrExists, ErrLimitExceeded.
	CreateTrail(ctx context.Context, t trailwatch.Trail, maxPerRegion int) error
	// GetTrail returns the trail with that home region; ErrNotFound.
	GetTrail(ctx context.Context, account, homeRegion, name string) (trailwatch.Trail, error)
	// ListTrails returns every trail of the account, in every home region,
	// ordered by home region, then name.
	ListTrails(ctx context.Context, account string) ([]trailwatch.Trail, error)
	// UpdateTrail reads the trail, lets fn change it and stores the result,
	// atomically. The key (account, home region, name), CreatedAt and
	// Delivery are not written back. When fn makes the trail multi-region
	// the placement rules are checked again. ErrNotFound, ErrExists,
	// ErrLimitExceeded; fn's error is returned as is and nothing is written.
	UpdateTrail(ctx context.Context, account, homeRegion, name string, maxPerRegion int, fn func(*trailwatch.Trail) error) error
	// DeleteTrail removes the trail. ErrNotFound.
	DeleteTrail(ctx context.Context, account, homeRegion, name string) error
	// UpdateTrailDelivery lets fn change the trail's delivery state and
	// stores it, atomically, without touching anything else: the delivery
	// worker records each attempt through it while the API may be changing
	// the trail's settings. ErrNotFound.
	UpdateTrailDelivery(ctx context.Context, account, homeRegion, name string, fn func(*trailwatch.TrailDelivery)) error
	// UpdateTrailDeliveryState runs fn, in one transaction, on the trail
	// and the delivery worker's state for it (nil before the first run;
	// storage does not interpret it), and stores the Delivery and state fn
	// leaves. An error from fn aborts without a change. The state goes
	// with the trail: deleting the trail deletes it. ErrNotFound.
	UpdateTrailDeliveryState(ctx context.Context, account, homeRegion, name string, fn func(t *trailwatch.Trail, state *[]byte) error) error
}

// TrailPlacement is what CheckTrailPlacement needs to know of a stored
// trail.
type TrailPlacement struct {
	HomeRegion  string
	Name        string
	MultiRegion bool
}

// CheckTrailPlacement applies the Trails placement rules to t against the
// account's other trails (which must not include t itself): ErrExists when
// a trail with t's name would be visible in a region where t is, and
// ErrLimitExceeded when a region would hold more than maxPerRegion trails.
// Both backends call it inside the transaction that writes t.
func CheckTrailPlacement(others []TrailPlacement, t TrailPlacement, maxPerRegion int) error {
	multi := 0
	homed := map[string]int{} // single-region trails per home region
	for _, o := range others {
		if o.Name == t.Name && (o.HomeRegion == t.HomeRegion || o.MultiRegion || t.MultiRegion) {
			return ErrExists
		}
		if o.MultiRegion {
			multi++
		} else {
			homed[o.HomeRegion]++
		}
	}
	// The fullest region t would be visible in: its home region, or for a
	// multi-region trail any region (regions without trails of their own
	// hold only the multi-region ones).
	fullest := homed[t.HomeRegion]
	if t.MultiRegion {
		for _, n := range homed {
			fullest = max(fullest, n)
		}
	}
	if multi+fullest+1 > maxPerRegion {
		return ErrLimitExceeded
	}
	return nil
}

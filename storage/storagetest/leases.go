package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func testLeases(t *testing.T, h *harness) {
	t.Run("HoldRenewRelease", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Leases()
		check := func(what, name, holder string, want bool) {
			t.Helper()
			got, err := s.AcquireLease(ctx, name, holder, time.Minute)
			must(t, what, err)
			if got != want {
				t.Fatalf("%s: AcquireLease(%s, %s) = %v, want %v", what, name, holder, got, want)
			}
		}
		check("first take", "delivery", "node1", true)
		check("taken by another", "delivery", "node2", false)
		check("renewal", "delivery", "node1", true)
		check("other lease", "retention", "node2", true)
		check("other lease taken", "retention", "node1", false)
		must(t, "release by non-holder", s.ReleaseLease(ctx, "delivery", "node2"))
		check("still held after a stranger's release", "delivery", "node2", false)
		must(t, "release", s.ReleaseLease(ctx, "delivery", "node1"))
		check("free after release", "delivery", "node2", true)
		check("now the old holder waits", "delivery", "node1", false)
		must(t, "release unknown lease", s.ReleaseLease(ctx, "nothing", "node1"))
	})
	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Leases()
		const ttl = 300 * time.Millisecond
		got, err := s.AcquireLease(ctx, "job", "node1", ttl)
		must(t, "take", err)
		if !got {
			t.Fatalf("first take refused")
		}
		got, err = s.AcquireLease(ctx, "job", "node2", time.Minute)
		must(t, "take while held", err)
		if got {
			t.Fatalf("node2 took an unexpired lease")
		}
		time.Sleep(ttl + 200*time.Millisecond)
		got, err = s.AcquireLease(ctx, "job", "node2", time.Minute)
		must(t, "take after expiry", err)
		if !got {
			t.Fatalf("node2 could not take an expired lease")
		}
		got, err = s.AcquireLease(ctx, "job", "node1", ttl)
		must(t, "old holder renews", err)
		if got {
			t.Fatalf("the expired holder renewed a lease another node now holds")
		}
	})
	t.Run("RenewalExtends", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Leases()
		const ttl = 600 * time.Millisecond
		for i := range 3 {
			got, err := s.AcquireLease(ctx, "job", "node1", ttl)
			must(t, "renew", err)
			if !got {
				t.Fatalf("renewal %d refused", i)
			}
			time.Sleep(ttl / 2)
		}
		// 900 ms after the first take, past the first ttl, but within the
		// last renewal's.
		got, err := s.AcquireLease(ctx, "job", "node2", time.Minute)
		must(t, "take", err)
		if got {
			t.Fatalf("renewals did not extend the lease")
		}
	})
	t.Run("OneWinner", func(t *testing.T) {
		t.Parallel()
		s := h.store(t).Leases()
		const nodes = 8
		won := make([]bool, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() {
				got, err := s.AcquireLease(ctx, "job", fmt.Sprint("node", i), time.Minute)
				if err != nil {
					t.Errorf("node%d: %v", i, err)
				}
				won[i] = got
			})
		}
		wg.Wait()
		n := 0
		for _, w := range won {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d of %d racing nodes got the lease, want 1", n, nodes)
		}
	})
}

package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/alarm"
	"github.com/trailwatch/trailwatch/storage"
)

// regionAlarms is every alarm of one account in one region, read once
// for the composite graph: who references whom, by rule and as
// suppressor. Composite alarms only reference alarms of their own account
// and region (§14), so this is all an evaluation needs.
type regionAlarms struct {
	account, region string
	recs            map[string]*alarmRecord
	rules           map[string]*alarm.Rule
	// parents maps an alarm to the composites whose rules reference it;
	// suppresses maps it to the composites it suppresses.
	parents, suppresses map[string][]string
}

func (s *Service) loadRegion(ctx context.Context, account, region string) (*regionAlarms, error) {
	g := &regionAlarms{account: account, region: region, recs: map[string]*alarmRecord{}}
	after := ""
	for {
		batch, err := s.alarms.ListAlarms(ctx, account, region, "", after, alarmPage)
		if err != nil {
			return nil, err
		}
		for _, a := range batch {
			r, err := decodeAlarm(a.Data)
			if err != nil {
				return nil, err
			}
			g.recs[a.Name] = r
			after = a.Name
		}
		if len(batch) < alarmPage {
			break
		}
	}
	g.index()
	return g, nil
}

// index rebuilds the reference maps after recs changed.
func (g *regionAlarms) index() {
	g.rules, g.parents, g.suppresses = map[string]*alarm.Rule{}, map[string][]string{}, map[string][]string{}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range g.recs {
			if !yield(n) {
				return
			}
		}
	}) {
		comp := g.recs[name].Composite
		if comp == nil {
			continue
		}
		rule, err := alarm.ParseRule(comp.Rule)
		if err != nil {
			continue // stored rules were checked; an unreadable one references nothing
		}
		g.rules[name] = rule
		for _, ref := range rule.Children() {
			if child, ok := g.resolve(ref); ok && !slices.Contains(g.parents[child], name) {
				g.parents[child] = append(g.parents[child], name)
			}
		}
		if sup, ok := g.resolve(comp.Suppressor); ok {
			g.suppresses[sup] = append(g.suppresses[sup], name)
		}
	}
}

// resolve turns a rule reference (a name, or the ARN of an alarm of this
// account and region) into the name of an existing alarm.
func (g *regionAlarms) resolve(ref string) (string, bool) {
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 7)
		if len(parts) != 7 || parts[2] != "cloudwatch" || parts[3] != g.region || parts[4] != g.account || parts[5] != "alarm" {
			return "", false
		}
		name = parts[6]
	}
	_, ok := g.recs[name]
	return name, ok
}

// parentsOf lists the composites referencing name, leaving out except.
func (g *regionAlarms) parentsOf(name, except string) []string {
	var out []string
	for _, p := range g.parents[name] {
		if p != except {
			out = append(out, p)
		}
	}
	return out
}

// childrenOf lists the alarms the composite's rule references, by name.
func (g *regionAlarms) childrenOf(name string) []string {
	rule := g.rules[name]
	if rule == nil {
		return nil
	}
	var out []string
	for _, ref := range rule.Children() {
		if child, ok := g.resolve(ref); ok && !slices.Contains(out, child) {
			out = append(out, child)
		}
	}
	return out
}

// inCycle reports whether the composite can reach itself through the
// rules: CloudWatch stops evaluating such alarms (PutCompositeAlarm).
func (g *regionAlarms) inCycle(name string) bool {
	seen := map[string]bool{}
	stack := g.childrenOf(name)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == name {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, g.childrenOf(n)...)
	}
	return false
}

// errUnchanged ends an UpdateAlarm that has nothing to write.
var errUnchanged = errors.New("cloudwatch: alarm unchanged")

// settle brings the composites of g up to date after the alarms in
// changed moved to a new state: the composites they suppress learn of it,
// the composites whose rules reference them are evaluated, and a
// composite's own change moves the composites above it in turn. It
// returns how many composites changed state.
func (s *Service) settle(ctx context.Context, g *regionAlarms, changed []string, now time.Time) (int, error) {
	n := 0
	queue := slices.Clone(changed)
	// A composite whose evaluation changes nothing stops its wave and
	// composites on cycles are not evaluated, so the waves end; the
	// budget only guards against a bug.
	budget := 4*len(g.recs) + len(changed)
	for len(queue) > 0 && budget > 0 {
		budget--
		name := queue[0]
		queue = queue[1:]
		rec := g.recs[name]
		if rec == nil {
			continue
		}
		for _, c := range g.suppresses[name] {
			if err := s.suppressorMoved(ctx, g, c, rec.State.Value, now); err != nil {
				return n, err
			}
		}
		for _, p := range g.parents[name] {
			moved, err := s.evaluateComposite(ctx, g, p, now)
			if err != nil {
				return n, err
			}
			if moved {
				n++
				queue = append(queue, p)
			}
		}
	}
	return n, nil
}

// evaluateComposite re-evaluates one composite over the children's
// states in g, stores a change with its history and runs its actions.
func (s *Service) evaluateComposite(ctx context.Context, g *regionAlarms, name string, now time.Time) (bool, error) {
	rec := g.recs[name]
	if rec == nil || rec.Composite == nil || g.inCycle(name) {
		return false, nil
	}
	children := map[string]alarm.ChildState{}
	for _, ref := range g.rules[name].Children() {
		if child, ok := g.resolve(ref); ok {
			c := g.recs[child]
			children[ref] = alarm.ChildState{ARN: c.Def.ARN, Value: c.State.Value, TransitionedTimestamp: c.State.TransitionedTimestamp}
		}
	}
	var (
		res alarm.Result
		cur *alarmRecord
	)
	err := s.alarms.UpdateAlarm(ctx, g.account, g.region, name, func(data []byte) ([]byte, error) {
		r, err := decodeAlarm(data)
		if err != nil {
			return nil, err
		}
		if r.Composite == nil {
			return nil, errUnchanged
		}
		def, err := r.compositeDef()
		if err != nil {
			return nil, err
		}
		res = alarm.EvaluateComposite(def, r.State, now, children)
		if !res.Changed {
			return nil, errUnchanged
		}
		if r.Composite.Suppressor != "" {
			r.Composite.Suppression.Transitioned(r.Composite.suppressor(), &res, now)
		}
		r.Composite.PreviousValue = r.State.Value
		r.State = res.State
		cur = r
		return encodeAlarm(r), nil
	})
	if errors.Is(err, errUnchanged) || errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("evaluate composite alarm %s: %w", name, err)
	}
	g.recs[name] = cur
	return true, s.afterTransition(ctx, g.account, g.region, cur, res)
}

// suppressorMoved tells a composite that its suppressor is now in state v,
// and runs the actions it held if that ended their suppression.
func (s *Service) suppressorMoved(ctx context.Context, g *regionAlarms, name string, v alarm.StateValue, now time.Time) error {
	return s.updateSuppression(ctx, g.account, g.region, name, now, func(r *alarmRecord) {
		r.Composite.Suppression.SuppressorChanged(r.Composite.suppressor(), v, now)
	}, func(r *alarmRecord) { g.recs[name] = r })
}

// releaseHeld runs the actions a composite held once its suppression has
// run out; the alarm worker calls it every pass.
func (s *Service) releaseHeld(ctx context.Context, account, region, name string, now time.Time) error {
	return s.updateSuppression(ctx, account, region, name, now, nil, nil)
}

// updateSuppression changes a composite's suppression state with change
// (when not nil), releases held actions that are due, and stores both.
func (s *Service) updateSuppression(ctx context.Context, account, region, name string, now time.Time, change, stored func(*alarmRecord)) error {
	var (
		cur     *alarmRecord
		release bool
	)
	err := s.alarms.UpdateAlarm(ctx, account, region, name, func(data []byte) ([]byte, error) {
		r, err := decodeAlarm(data)
		if err != nil {
			return nil, err
		}
		if r.Composite == nil {
			return nil, errUnchanged
		}
		before := r.Composite.Suppression
		if change != nil {
			change(r)
		}
		release = r.Composite.Suppression.Release(now)
		if r.Composite.Suppression == before {
			return nil, errUnchanged
		}
		cur = r
		return encodeAlarm(r), nil
	})
	if errors.Is(err, errUnchanged) || errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("update suppression of %s: %w", name, err)
	}
	if stored != nil {
		stored(cur)
	}
	if !release {
		return nil
	}
	def, err := cur.compositeDef()
	if err != nil {
		return err
	}
	acts := def.ActionsFor(cur.State.Value)
	if len(acts) == 0 {
		return nil
	}
	return s.alarms.AddAlarmHistory(ctx, s.runActions(ctx, account, region, cur, cur.State, string(cur.Composite.PreviousValue), acts))
}

// compositesAfterPass finishes an evaluation pass: the composites above
// the metric alarms that changed state are evaluated, and composites whose
// held actions are due run them. moved and composites are alarm keys
// (account, region, name) in scan order.
func (s *Service) compositesAfterPass(ctx context.Context, moved, composites []storage.AlarmKey, now time.Time) (int, error) {
	type region struct{ account, region string }
	byRegion := map[region][]string{}
	var order []region
	for _, k := range moved {
		r := region{k.Account, k.Region}
		if _, ok := byRegion[r]; !ok {
			order = append(order, r)
		}
		byRegion[r] = append(byRegion[r], k.Name)
	}
	changed := 0
	var firstErr error
	for _, r := range order {
		g, err := s.loadRegion(ctx, r.account, r.region)
		if err == nil {
			var n int
			n, err = s.settle(ctx, g, byRegion[r], now)
			changed += n
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("composite alarms of %s/%s: %w", r.account, r.region, err)
		}
	}
	for _, k := range composites {
		if err := s.releaseHeld(ctx, k.Account, k.Region, k.Name, now); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return changed, firstErr
}

// isComposite reports whether stored alarm data is a composite alarm's,
// without decoding the rest.
func isComposite(data []byte) bool {
	var probe struct {
		Composite *struct{}
	}
	return json.Unmarshal(data, &probe) == nil && probe.Composite != nil
}

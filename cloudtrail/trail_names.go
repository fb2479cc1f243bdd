package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/storage"
)

// Trail names and ARNs (reference/cloudtrail.md §5.1).

// MaxTrailsPerRegion is how many trails may be visible in one region of an
// account, multi-region trails counting in every region; AWS does not let
// it be raised.
const MaxTrailsPerRegion = 5

const (
	minTrailName = 3
	maxTrailName = 128
)

// typeTrail is the resource type of trails in CloudTrail records.
const typeTrail = "AWS::CloudTrail::Trail"

var trailNameChars = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// checkTrailName applies the name rules of CreateTrailRequest.Name, in the
// order the messages suggest AWS checks them (emulated wording).
func checkTrailName(name string) *awserr.Error {
	switch {
	case name == "":
		return errInvalidTrailName("Trail name cannot be blank!")
	case isIPAddress(name):
		return errInvalidTrailName("Trail names must not be formatted as an IP address.")
	case len(name) < minTrailName:
		return errInvalidTrailName("Trail name too short. Minimum allowed length: %d characters. Specified name length: %d characters.", minTrailName, len(name))
	case len(name) > maxTrailName:
		return errInvalidTrailName("Trail name too long. Maximum allowed length: %d characters. Specified name length: %d characters.", maxTrailName, len(name))
	case !trailNameChars.MatchString(name):
		return errInvalidTrailName("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	case !isAlnum(name[0]):
		return errInvalidTrailName("Trail name must starts with a letter or number.")
	case !isAlnum(name[len(name)-1]):
		return errInvalidTrailName("Trail name must ends with a letter or number.")
	}
	for i := 1; i < len(name); i++ {
		if !isAlnum(name[i]) && !isAlnum(name[i-1]) {
			return errInvalidTrailName("Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).")
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isIPAddress reports whether s is a dotted-quad IPv4 address, the only
// address form the name's characters allow.
func isIPAddress(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// trailRef is a trail as an input names it: by name (in the caller's
// region) or by ARN (which names the home region).
type trailRef struct {
	given   string // as the caller wrote it, for messages
	byARN   bool
	region  string
	account string
	name    string
}

// arn is the ARN the reference stands for, for authorisation and records.
func (r trailRef) arn() string { return trailwatch.TrailARN(r.region, r.account, r.name) }

// parseTrailRef reads a Name/TrailName member: a trail ARN, or a name that
// must follow the name rules.
func parseTrailRef(c *trailwatch.Caller, s string) (trailRef, *awserr.Error) {
	if strings.HasPrefix(s, "arn:") {
		a, err := trailwatch.ParseARN(s)
		name, isTrail := strings.CutPrefix(a.Resource, "trail/")
		if err != nil || a.Service != "cloudtrail" || !isTrail || a.Region == "" || !isAccountID(a.AccountID) {
			return trailRef{}, errTrailARN(s)
		}
		if e := checkTrailName(name); e != nil {
			return trailRef{}, e
		}
		return trailRef{given: s, byARN: true, region: a.Region, account: a.AccountID, name: name}, nil
	}
	if e := checkTrailName(s); e != nil {
		return trailRef{}, e
	}
	return trailRef{given: s, region: c.Region, account: c.AccountID, name: s}, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// trailResource is what an operation on one trail is authorised against and
// records: the trail's ARN. An unparsable name still gets an ARN built from
// it, so a policy sees the call (which then fails validation).
func trailResource(c *trailwatch.Caller, nameOrARN string) []trailwatch.Resource {
	arn := nameOrARN
	name := nameOrARN
	if r, err := parseTrailRef(c, nameOrARN); err == nil {
		arn, name = r.arn(), r.name
	} else if !strings.HasPrefix(nameOrARN, "arn:") {
		arn = trailwatch.TrailARN(c.Region, c.AccountID, nameOrARN)
	}
	return []trailwatch.Resource{{ARN: arn, AccountID: c.AccountID, Type: typeTrail, Name: name}}
}

// resources adapts a resource builder to awsapi.Def.Resources: nil without
// a caller (the handler then fails), the builder's answer otherwise.
func resources[I any](f func(c *trailwatch.Caller, in *I) []trailwatch.Resource) func(context.Context, *I) ([]trailwatch.Resource, error) {
	return func(ctx context.Context, in *I) ([]trailwatch.Resource, error) {
		c := trailwatch.CallerFromContext(ctx)
		if c == nil {
			return nil, nil
		}
		return f(c, in), nil
	}
}

// callerOf returns the request's caller; a context without one is a wiring
// bug, which the front door answers with InternalFailure.
func callerOf(ctx context.Context) (*trailwatch.Caller, error) {
	c := trailwatch.CallerFromContext(ctx)
	if c == nil {
		return nil, errors.New("cloudtrail: called without a caller")
	}
	return c, nil
}

// access says what an operation may do with the trail it names.
type access int

const (
	// read: the trail may be a shadow (a multi-region trail homed
	// elsewhere), reached by its ARN.
	read access = iota
	// write: the trail must be homed in the caller's region; naming a
	// shadow is InvalidHomeRegionException (§5.1).
	write
)

// findTrail resolves a Name/TrailName member to a trail visible to the
// caller. By name it finds only trails homed in the caller's region; by
// ARN, also multi-region trails homed in the ARN's region. Trails of other
// accounts are never found.
func (s *Service) findTrail(ctx context.Context, c *trailwatch.Caller, given string, mode access) (trailwatch.Trail, error) {
	ref, e := parseTrailRef(c, given)
	if e != nil {
		return trailwatch.Trail{}, e
	}
	notFound := errTrailNotFound(given, c.AccountID)
	if ref.account != c.AccountID {
		return trailwatch.Trail{}, notFound
	}
	t, err := s.trails.GetTrail(ctx, c.AccountID, ref.region, ref.name)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if mode == write && !ref.byARN {
			// A shadow named by its name: the caller means a trail it
			// can see, which only its home region may change.
			if shadow, ok, err := s.shadowNamed(ctx, c, ref.name); err != nil {
				return t, err
			} else if ok {
				return t, errHomeRegion(shadow.ARN(), shadow.HomeRegion)
			}
		}
		return t, notFound
	case err != nil:
		return t, fmt.Errorf("get trail: %w", err)
	case !t.VisibleIn(c.Region):
		return t, notFound
	case mode == write && t.HomeRegion != c.Region:
		return t, errHomeRegion(t.ARN(), t.HomeRegion)
	}
	return t, nil
}

// shadowNamed finds the multi-region trail called name homed outside the
// caller's region, if there is one.
func (s *Service) shadowNamed(ctx context.Context, c *trailwatch.Caller, name string) (trailwatch.Trail, bool, error) {
	all, err := s.trails.ListTrails(ctx, c.AccountID)
	if err != nil {
		return trailwatch.Trail{}, false, fmt.Errorf("list trails: %w", err)
	}
	for _, t := range all {
		if t.Name == name && t.IsMultiRegionTrail && t.HomeRegion != c.Region {
			return t, true, nil
		}
	}
	return trailwatch.Trail{}, false, nil
}

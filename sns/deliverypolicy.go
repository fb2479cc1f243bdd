package sns

import (
	"bytes"
	"encoding/json"
	"math"
	"time"
)

// RetryPolicy is a healthyRetryPolicy of a DeliveryPolicy: how often and
// how far apart a failed delivery is retried.
type RetryPolicy struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// defaultHTTPRetry is SNS's HTTP/HTTPS default: 3 retries, 20 s apart.
var defaultHTTPRetry = RetryPolicy{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}

// emailRetry is SNS's policy for customer-managed non-HTTP endpoints
// (SMTP among them), which no DeliveryPolicy changes: 2 retries at 10 s,
// 10 backing off exponentially to 600 s, 38 at 600 s; 50 attempts in all.
var emailRetry = RetryPolicy{MinDelayTarget: 10, MaxDelayTarget: 600, NumRetries: 50,
	NumMinDelayRetries: 2, NumMaxDelayRetries: 38, BackoffFunction: "exponential"}

// Delay returns how long to wait after the attempt-th failed attempt
// (1-based) before the next one, and false when the policy has no more
// retries. The phases run in SNS's order: immediate retries, retries at
// the minimum delay, the backoff phase, retries at the maximum delay.
func (p RetryPolicy) Delay(attempt int) (time.Duration, bool) {
	if attempt > p.NumRetries {
		return 0, false
	}
	r := attempt // the retry about to be scheduled, 1-based
	if r <= p.NumNoDelayRetries {
		return 0, true
	}
	r -= p.NumNoDelayRetries
	if r <= p.NumMinDelayRetries {
		return seconds(p.MinDelayTarget), true
	}
	r -= p.NumMinDelayRetries
	backoff := p.NumRetries - p.NumNoDelayRetries - p.NumMinDelayRetries - p.NumMaxDelayRetries
	if r > backoff {
		return seconds(p.MaxDelayTarget), true
	}
	lo, hi := float64(p.MinDelayTarget), float64(p.MaxDelayTarget)
	frac := 1.0
	if backoff > 1 {
		frac = float64(r-1) / float64(backoff-1)
	}
	var d float64
	switch p.BackoffFunction {
	case "arithmetic":
		d = lo + (hi-lo)*frac*frac
	case "geometric", "exponential":
		d = lo * math.Pow(hi/lo, frac)
	default: // linear
		d = lo + (hi-lo)*frac
	}
	return time.Duration(d * float64(time.Second)), true
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// subscriptionPolicy is a subscription's DeliveryPolicy.
type subscriptionPolicy struct {
	HealthyRetryPolicy *retryInput      `json:"healthyRetryPolicy,omitempty"`
	ThrottlePolicy     *json.RawMessage `json:"throttlePolicy,omitempty"`
	RequestPolicy      *requestPolicy   `json:"requestPolicy,omitempty"`
	SicklyRetryPolicy  *json.RawMessage `json:"sicklyRetryPolicy,omitempty"`
	Guaranteed         *bool            `json:"guaranteed,omitempty"`
}

type requestPolicy struct {
	HeaderContentType string `json:"headerContentType,omitempty"`
}

// topicPolicy is a topic's DeliveryPolicy; only its http part applies
// here.
type topicPolicy struct {
	HTTP *struct {
		DefaultHealthyRetryPolicy    *retryInput      `json:"defaultHealthyRetryPolicy,omitempty"`
		DisableSubscriptionOverrides bool             `json:"disableSubscriptionOverrides"`
		DefaultThrottlePolicy        *json.RawMessage `json:"defaultThrottlePolicy,omitempty"`
		DefaultRequestPolicy         *requestPolicy   `json:"defaultRequestPolicy,omitempty"`
	} `json:"http,omitempty"`
}

// headerContentTypes are the Content-Type values a requestPolicy may set.
var headerContentTypes = map[string]bool{
	"text/plain": true, "application/json": true, "application/xml": true,
	"text/plain; charset=UTF-8": true, "application/json; charset=UTF-8": true, "application/xml; charset=UTF-8": true,
}

func decodeStrict(v string, dst any) bool {
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.DisallowUnknownFields()
	return dec.Decode(dst) == nil && !dec.More()
}

// checkRetry applies SNS's ranges to a retry policy whose zero members
// were filled from the default; reason says what is wrong.
func checkRetry(p *RetryPolicy) (reason string) {
	switch {
	case p.MinDelayTarget < 1 || p.MinDelayTarget > p.MaxDelayTarget:
		return "minDelayTarget must be between 1 and maxDelayTarget"
	case p.MaxDelayTarget > 3600:
		return "maxDelayTarget must be at most 3600"
	case p.NumRetries < 0 || p.NumRetries > 100:
		return "numRetries must be between 0 and 100"
	case p.NumNoDelayRetries < 0 || p.NumMinDelayRetries < 0 || p.NumMaxDelayRetries < 0:
		return "retry counts must not be negative"
	case p.NumNoDelayRetries+p.NumMinDelayRetries+p.NumMaxDelayRetries > p.NumRetries:
		return "numRetries must be at least the sum of numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries"
	}
	switch p.BackoffFunction {
	case "linear", "arithmetic", "geometric", "exponential":
	default:
		return "backoffFunction must be linear, arithmetic, geometric or exponential"
	}
	var total time.Duration
	for i := 1; ; i++ {
		d, ok := p.Delay(i)
		if !ok {
			break
		}
		total += d
	}
	if total > time.Hour {
		return "the retry schedule may not exceed 3600 seconds"
	}
	return ""
}

// retryInput is a retry policy as written: nil members are unset.
type retryInput struct {
	MinDelayTarget     *int   `json:"minDelayTarget"`
	MaxDelayTarget     *int   `json:"maxDelayTarget"`
	NumRetries         *int   `json:"numRetries"`
	NumMaxDelayRetries *int   `json:"numMaxDelayRetries"`
	NumNoDelayRetries  *int   `json:"numNoDelayRetries"`
	NumMinDelayRetries *int   `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// withDefaults fills a retry policy's unset members from SNS's HTTP
// default.
func withDefaults(p *retryInput) RetryPolicy {
	out := defaultHTTPRetry
	if p == nil {
		return out
	}
	for _, f := range []struct {
		src *int
		dst *int
	}{{p.MinDelayTarget, &out.MinDelayTarget}, {p.MaxDelayTarget, &out.MaxDelayTarget}, {p.NumRetries, &out.NumRetries},
		{p.NumMaxDelayRetries, &out.NumMaxDelayRetries}, {p.NumNoDelayRetries, &out.NumNoDelayRetries}, {p.NumMinDelayRetries, &out.NumMinDelayRetries}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if p.BackoffFunction != "" {
		out.BackoffFunction = p.BackoffFunction
	}
	return out
}

func validSubscriptionDeliveryPolicy(v string) error {
	var p subscriptionPolicy
	if !decodeStrict(v, &p) {
		return errInvalidParameter("DeliveryPolicy: failed to parse JSON")
	}
	if p.HealthyRetryPolicy != nil {
		r := withDefaults(p.HealthyRetryPolicy)
		if reason := checkRetry(&r); reason != "" {
			return errInvalidParameter("DeliveryPolicy: " + reason)
		}
	}
	if p.RequestPolicy != nil && p.RequestPolicy.HeaderContentType != "" && !headerContentTypes[p.RequestPolicy.HeaderContentType] {
		return errInvalidParameter("DeliveryPolicy: headerContentType is not supported")
	}
	return nil
}

func validTopicDeliveryPolicy(v string) error {
	var p topicPolicy
	if !json.Valid([]byte(v)) || json.Unmarshal([]byte(v), &p) != nil {
		return errInvalidParameter("DeliveryPolicy: failed to parse JSON")
	}
	if p.HTTP != nil && p.HTTP.DefaultHealthyRetryPolicy != nil {
		r := withDefaults(p.HTTP.DefaultHealthyRetryPolicy)
		if reason := checkRetry(&r); reason != "" {
			return errInvalidParameter("DeliveryPolicy: " + reason)
		}
	}
	return nil
}

// httpPolicy is what an HTTP/HTTPS delivery follows: the subscription's
// policy unless the topic disables overrides, then the topic's default,
// then SNS's.
func httpPolicy(topicAttr, subAttr string) (RetryPolicy, string) {
	retry, contentType := defaultHTTPRetry, "text/plain; charset=UTF-8"
	var tp topicPolicy
	override := true
	if topicAttr != "" && json.Unmarshal([]byte(topicAttr), &tp) == nil && tp.HTTP != nil {
		if tp.HTTP.DefaultHealthyRetryPolicy != nil {
			retry = withDefaults(tp.HTTP.DefaultHealthyRetryPolicy)
		}
		if tp.HTTP.DefaultRequestPolicy != nil && tp.HTTP.DefaultRequestPolicy.HeaderContentType != "" {
			contentType = tp.HTTP.DefaultRequestPolicy.HeaderContentType
		}
		override = !tp.HTTP.DisableSubscriptionOverrides
	}
	var sp subscriptionPolicy
	if override && subAttr != "" && json.Unmarshal([]byte(subAttr), &sp) == nil {
		if sp.HealthyRetryPolicy != nil {
			retry = withDefaults(sp.HealthyRetryPolicy)
		}
		if sp.RequestPolicy != nil && sp.RequestPolicy.HeaderContentType != "" {
			contentType = sp.RequestPolicy.HeaderContentType
		}
	}
	return retry, contentType
}

// effectiveTopicDeliveryPolicy is GetTopicAttributes'
// EffectiveDeliveryPolicy: the topic's http policy with defaults filled.
func effectiveTopicDeliveryPolicy(attr string) string {
	retry, contentType := httpPolicy(attr, "")
	disable := false
	var tp topicPolicy
	if attr != "" && json.Unmarshal([]byte(attr), &tp) == nil && tp.HTTP != nil {
		disable = tp.HTTP.DisableSubscriptionOverrides
	}
	b, _ := json.Marshal(map[string]any{"http": map[string]any{
		"defaultHealthyRetryPolicy":    retry,
		"disableSubscriptionOverrides": disable,
		"defaultRequestPolicy":         requestPolicy{HeaderContentType: contentType},
	}})
	return string(b)
}

// effectiveSubscriptionDeliveryPolicy is GetSubscriptionAttributes'
// EffectiveDeliveryPolicy for HTTP/HTTPS subscriptions.
func effectiveSubscriptionDeliveryPolicy(topicAttr, subAttr string) string {
	retry, contentType := httpPolicy(topicAttr, subAttr)
	b, _ := json.Marshal(map[string]any{
		"healthyRetryPolicy": retry,
		"requestPolicy":      requestPolicy{HeaderContentType: contentType},
	})
	return string(b)
}

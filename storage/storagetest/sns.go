package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

func testSNS(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	name := h.newName()
	s, closeNow := h.openNamed(t, name)
	sns := s.SNS()
	created := time.Date(2025, 3, 1, 12, 0, 0, 123, time.UTC)
	v := "v"
	topic := func(account, name string) trailwatch.Topic {
		return trailwatch.Topic{
			AccountID: account, Region: "us-east-1", Name: name,
			ARN:        "arn:aws:sns:us-east-1:" + account + ":" + name,
			Attributes: map[string]string{"DisplayName": "d " + name},
			Tags:       []trailwatch.Tag{{Key: "k", Value: &v}},
			CreatedAt:  created,
		}
	}
	a := topic("111111111111", "alpha")
	if got, err := sns.CreateTopic(ctx, a, 2); err != nil || !cmp.Equal(a, got) {
		t.Fatalf("CreateTopic = %+v, %v", got, err)
	}
	got, err := sns.GetTopic(ctx, a.ARN)
	if err != nil || !cmp.Equal(a, got) {
		t.Fatalf("GetTopic = %v; diff %s", err, cmp.Diff(a, got))
	}
	// Creating it again returns the stored topic with ErrExists.
	again := a
	again.Attributes = map[string]string{"DisplayName": "changed"}
	if got, err := sns.CreateTopic(ctx, again, 2); !errors.Is(err, storage.ErrExists) || !cmp.Equal(a, got) {
		t.Errorf("CreateTopic twice = %+v, %v; want the first and ErrExists", got, err)
	}
	b := topic("111111111111", "beta")
	if _, err := sns.CreateTopic(ctx, b, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := sns.CreateTopic(ctx, topic("111111111111", "gamma"), 2); !errors.Is(err, storage.ErrLimitExceeded) {
		t.Errorf("CreateTopic over the limit: %v, want ErrLimitExceeded", err)
	}
	// Another account has its own limit and sees none of these.
	other := topic("222222222222", "alpha")
	if _, err := sns.CreateTopic(ctx, other, 2); err != nil {
		t.Fatal(err)
	}
	list, err := sns.ListTopics(ctx, "111111111111", "us-east-1", "", 10)
	if err != nil || len(list) != 2 || list[0].ARN != a.ARN || list[1].ARN != b.ARN {
		t.Errorf("ListTopics = %v, %v", list, err)
	}
	list, err = sns.ListTopics(ctx, "111111111111", "us-east-1", a.ARN, 1)
	if err != nil || len(list) != 1 || list[0].ARN != b.ARN {
		t.Errorf("ListTopics after alpha = %v, %v", list, err)
	}
	if list, _ := sns.ListTopics(ctx, "111111111111", "eu-west-1", "", 10); len(list) != 0 {
		t.Errorf("ListTopics in another region = %v", list)
	}

	if err := sns.UpdateTopic(ctx, a.ARN, func(t *trailwatch.Topic) error {
		t.Attributes["Policy"] = "{}"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := sns.UpdateTopic(ctx, a.ARN, func(t *trailwatch.Topic) error {
		t.Attributes["Policy"] = "lost"
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("UpdateTopic with a failing fn: %v", err)
	}
	if got, _ := sns.GetTopic(ctx, a.ARN); got.Attributes["Policy"] != "{}" {
		t.Errorf("after UpdateTopic: %v", got.Attributes)
	}
	if err := sns.UpdateTopic(ctx, a.ARN+"x", func(*trailwatch.Topic) error { return nil }); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateTopic of a missing topic: %v", err)
	}

	sub := func(topic trailwatch.Topic, id, endpoint string) trailwatch.Subscription {
		return trailwatch.Subscription{
			ARN: topic.ARN + ":" + id, TopicARN: topic.ARN, AccountID: topic.AccountID, Region: topic.Region,
			Protocol: "https", Endpoint: endpoint, Attributes: map[string]string{"RawMessageDelivery": "true"},
			Pending: true, Token: "tok-" + id, TokenExpires: created.Add(48 * time.Hour), CreatedAt: created,
		}
	}
	s1 := sub(a, "1", "https://one.example/")
	if got, err := sns.CreateSubscription(ctx, s1); err != nil || !cmp.Equal(s1, got) {
		t.Fatalf("CreateSubscription = %+v, %v", got, err)
	}
	dup := sub(a, "9", "https://one.example/")
	if got, err := sns.CreateSubscription(ctx, dup); !errors.Is(err, storage.ErrExists) || got.ARN != s1.ARN {
		t.Errorf("CreateSubscription of the same endpoint = %v, %v; want s1 and ErrExists", got.ARN, err)
	}
	if _, err := sns.CreateSubscription(ctx, sub(topic("111111111111", "nope"), "1", "x")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateSubscription to a missing topic: %v", err)
	}
	s2 := sub(a, "2", "https://two.example/")
	s3 := sub(b, "3", "https://one.example/")
	for _, x := range []trailwatch.Subscription{s2, s3} {
		if _, err := sns.CreateSubscription(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	subs, err := sns.ListSubscriptions(ctx, "111111111111", "us-east-1", "", "", 10)
	if err != nil || len(subs) != 3 {
		t.Errorf("ListSubscriptions = %v, %v", subs, err)
	}
	subs, err = sns.ListSubscriptions(ctx, "111111111111", "us-east-1", a.ARN, s1.ARN, 10)
	if err != nil || len(subs) != 1 || subs[0].ARN != s2.ARN {
		t.Errorf("ListSubscriptions of alpha after s1 = %v, %v", subs, err)
	}
	if err := sns.UpdateSubscription(ctx, s1.ARN, func(s *trailwatch.Subscription) error {
		s.Pending, s.Token, s.ConfirmationWasAuthenticated = false, "", true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := sns.GetSubscription(ctx, s1.ARN); got.Pending || got.Token != "" || !got.ConfirmationWasAuthenticated {
		t.Errorf("after UpdateSubscription: %+v", got)
	}

	// The outbox: due order, reschedule, drop on unsubscribe, survive a
	// reopen.
	d := func(s trailwatch.Subscription, due time.Time, payload string) trailwatch.SNSDelivery {
		return trailwatch.SNSDelivery{TopicARN: s.TopicARN, SubscriptionARN: s.ARN, Due: due, Payload: []byte(payload)}
	}
	gone := sub(a, "gone", "https://gone.example/")
	if err := sns.EnqueueDeliveries(ctx, []trailwatch.SNSDelivery{
		d(s1, created.Add(2*time.Second), "p1"), d(s2, created.Add(time.Second), "p2"),
		d(s3, created.Add(time.Hour), "p3"), d(gone, created, "dropped"),
	}); err != nil {
		t.Fatal(err)
	}
	due, err := sns.DueDeliveries(ctx, created.Add(2*time.Second), 10)
	if err != nil || len(due) != 2 || string(due[0].Payload) != "p2" || string(due[1].Payload) != "p1" {
		t.Fatalf("DueDeliveries = %+v, %v", due, err)
	}
	if !due[0].Due.Equal(created.Add(time.Second)) || due[0].SubscriptionARN != s2.ARN || due[0].Attempts != 0 {
		t.Errorf("due[0] = %+v", due[0])
	}
	if err := sns.RescheduleDelivery(ctx, due[0].ID, 1, created.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := sns.DeleteDelivery(ctx, due[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := sns.DeleteDelivery(ctx, due[1].ID); err != nil {
		t.Errorf("DeleteDelivery twice: %v", err)
	}
	if err := sns.RescheduleDelivery(ctx, due[1].ID, 1, created); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RescheduleDelivery of a deleted one: %v", err)
	}
	closeNow()
	s, _ = h.openNamed(t, name)
	sns = s.SNS()
	due, err = sns.DueDeliveries(ctx, created.Add(2*time.Hour), 10)
	if err != nil || len(due) != 2 || string(due[0].Payload) != "p2" || due[0].Attempts != 1 || string(due[1].Payload) != "p3" {
		t.Fatalf("DueDeliveries after reopen = %+v, %v", due, err)
	}
	// Unsubscribing drops the subscription's deliveries.
	if err := sns.DeleteSubscription(ctx, s2.ARN); err != nil {
		t.Fatal(err)
	}
	if err := sns.DeleteSubscription(ctx, s2.ARN); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteSubscription twice: %v", err)
	}
	if due, _ := sns.DueDeliveries(ctx, created.Add(2*time.Hour), 10); len(due) != 1 || string(due[0].Payload) != "p3" {
		t.Errorf("after unsubscribe: %+v", due)
	}
	// Deleting a topic takes its subscriptions and their deliveries.
	if err := sns.DeleteTopic(ctx, b.ARN); err != nil {
		t.Fatal(err)
	}
	if err := sns.DeleteTopic(ctx, b.ARN); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("DeleteTopic twice: %v", err)
	}
	if _, err := sns.GetSubscription(ctx, s3.ARN); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("subscription of a deleted topic: %v", err)
	}
	if due, _ := sns.DueDeliveries(ctx, created.Add(2*time.Hour), 10); len(due) != 0 {
		t.Errorf("deliveries of a deleted topic: %+v", due)
	}
	if _, err := sns.GetTopic(ctx, b.ARN); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetTopic of a deleted topic: %v", err)
	}
}

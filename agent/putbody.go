package agent

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// PutLogEvents requests are written by the agent, not by the SDK's
// serializer: the spool already holds each message escaped as the body
// carries it, so a batch's body is the spool's bytes put together. Turning
// them back into strings for the SDK to escape again cost more than
// reading, parsing and spooling the records. The SDK still does everything
// else (endpoint, signing, retries, the response and its errors); the
// body is byte for byte the one it would have written (see
// TestPutLogEventsBodyMatchesSDK).

// appendPutLogEventsBody appends the JSON body of a PutLogEvents request
// for evs, with the members in the order aws-sdk-go-v2 writes them.
func appendPutLogEventsBody(dst []byte, group, stream string, evs []spoolEvent) []byte {
	dst = append(dst, `{"logEvents":[`...)
	for i := range evs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"message":"`...)
		dst = append(dst, evs[i].msg...)
		dst = append(dst, `","timestamp":`...)
		dst = strconv.AppendInt(dst, evs[i].ts, 10)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"logGroupName":"`...)
	dst = appendSDKEscaped(dst, []byte(group))
	dst = append(dst, `","logStreamName":"`...)
	dst = appendSDKEscaped(dst, []byte(stream))
	return append(dst, `"}`...)
}

// putLogEvents calls PutLogEvents with body as the request body. The
// input the SDK validates and serializes names the group and stream and
// has no events; the body replaces what it serialized.
func (a *Agent) putLogEvents(ctx context.Context, group, stream string, body []byte) (*cwl.PutLogEventsOutput, error) {
	in := &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: []types.InputLogEvent{}}
	return a.client.PutLogEvents(ctx, in, func(o *cwl.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Serialize.Insert(requestBody(body), "OperationSerializer", middleware.After)
		})
	})
}

// requestBody is a serialize step that replaces the request body.
type requestBody []byte

func (requestBody) ID() string { return "trailwatchAgentRequestBody" }

func (b requestBody) HandleSerialize(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.SerializeOutput{}, middleware.Metadata{}, fmt.Errorf("agent: unexpected transport request %T", in.Request)
	}
	r, err := req.SetStream(bytes.NewReader(b))
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, err
	}
	in.Request = r
	return next.HandleSerialize(ctx, in)
}

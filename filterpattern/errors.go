package filterpattern

import "fmt"

// Messages CloudWatch Logs sends with InvalidParameterException when it
// cannot use a filter pattern. Which one a service returns depends on the
// operation, as observed from SDK error reports:
//
//   - FilterLogEvents answers InvalidFilterPatternMessage (AWS SDK for
//     JavaScript 2017, AWS Toolkit for JetBrains 2022);
//   - PutMetricFilter answers InvalidMetricFilterPatternMessage (CloudFormation
//     2021);
//   - PutSubscriptionFilter answered the detail alone, for example
//     "Invalid character(s) in term '?'" (2022), which is SyntaxError.Msg;
//   - StartLiveTail answers InvalidFilterPatternMessage + ": " + the detail
//     (2025).
const (
	InvalidFilterPatternMessage       = "Invalid filter pattern"
	InvalidMetricFilterPatternMessage = "Invalid metric filter pattern"
)

// SyntaxError is the error Compile and ParseRef return for text CloudWatch
// Logs would refuse. Msg uses AWS's own wording where it is known
// (invalidTermMessage, the unbalanced-brace sentence) and plain English
// otherwise; services return one of the constants above, not Msg, except
// where the comment on those constants says otherwise.
type SyntaxError struct {
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

// syntaxErrorf builds a *SyntaxError.
func syntaxErrorf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// invalidTerm is AWS's complaint about a term holding characters that must
// be quoted, or an empty quoted term: "Invalid character(s) in term '\"\"'"
// (StartLiveTail, 2025) and "... in term '?'" (PutSubscriptionFilter, 2022).
func invalidTerm(term string) error {
	return &SyntaxError{Msg: "Invalid character(s) in term '" + term + "'"}
}

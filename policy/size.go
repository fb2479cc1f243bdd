package policy

// NonWhitespaceLen is a policy document's size as IAM counts it against its
// policy size quotas (2,048 characters for all of a user's inline policies
// together): characters, not bytes, leaving out white space wherever it
// appears.
func NonWhitespaceLen(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			n++
		}
	}
	return n
}

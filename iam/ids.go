package iam

import (
	"crypto/rand"
	"encoding/base64"
)

// Identifiers in the forms IAM issues. rand.Text draws from RFC 4648's
// base32 alphabet, [A-Z2-7], the characters IAM's ids use; since Go 1.24
// crypto/rand cannot fail, so neither can these.

// newUserID returns "AIDA" and 17 random characters.
func newUserID() string { return "AIDA" + rand.Text()[:17] }

// NewAccessKeyID returns "AKIA" and 16 random characters.
func NewAccessKeyID() string { return "AKIA" + rand.Text()[:16] }

// NewSecretAccessKey returns 40 characters of base64 over 240 random bits,
// the length and alphabet of an AWS secret key.
func NewSecretAccessKey() string {
	b := make([]byte, 30)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

package sigv4

import "net/http"

// Signatures returns r's signature as the SDK signer and as this package's
// own canonical request compute it, so tests can hold the two together.
func Signatures(r *http.Request, body []byte, secret string) (sdk, manual string, err error) {
	a, err := parse(r)
	if err != nil {
		return "", "", err
	}
	if err := a.validate(); err != nil {
		return "", "", err
	}
	p, err := newPayload(r, a, body)
	if err != nil {
		return "", "", err
	}
	sdk, err = sdkSignature(r, a, secret, p.hash, body)
	if err != nil {
		return "", "", err
	}
	return sdk, manualSignature(r, a, secret, p.hash, body), nil
}

package s3_test

import (
	"net"
	"strings"
)

// lookupLocalhost checks that a name under .localhost resolves to the
// loopback address, as virtual-host requests to BUCKET.localhost need.
func lookupLocalhost() ([]string, error) {
	return net.LookupHost("conf-false-1.localhost")
}

// endpointFor turns http://127.0.0.1:PORT into http://localhost:PORT for
// virtual-host addressing, which needs a name to put the bucket in front of.
func endpointFor(endpoint string, pathStyle bool) string {
	if pathStyle {
		return endpoint
	}
	return strings.Replace(endpoint, "127.0.0.1", "localhost", 1)
}

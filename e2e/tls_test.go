package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "trailwatch-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS serves HTTPS with --tls-cert/--tls-key and records the
// connection's TLS details in the event.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	p := startServer(t, filepath.Join(dir, "data"), "TRAILWATCH_TLS_CERT="+certFile, "TRAILWATCH_TLS_KEY="+keyFile)
	if !strings.HasPrefix(p.URL, "https://") {
		t.Fatalf("endpoint %s is not https", p.URL)
	}
	cfg := p.config(rootKey, rootSecret)
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx := context.Background()
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := cloudtrail.NewFromConfig(cfg).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetCallerIdentity")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 {
		t.Fatalf("%d GetCallerIdentity events, want 1", len(out.Events))
	}
	var rec struct {
		TLSDetails struct {
			TLSVersion, CipherSuite, ClientProvidedHostHeader, KeyExchange string
		} `json:"tlsDetails"`
		ReadOnly    bool   `json:"readOnly"`
		EventSource string `json:"eventSource"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(p.URL, "https://")
	if rec.TLSDetails.TLSVersion != "TLSv1.3" || rec.TLSDetails.CipherSuite == "" || rec.TLSDetails.ClientProvidedHostHeader != host {
		t.Errorf("tlsDetails = %+v, want TLSv1.3 and host %s", rec.TLSDetails, host)
	}
	if !rec.ReadOnly || rec.EventSource != "sts.amazonaws.com" {
		t.Errorf("readOnly %v, eventSource %q", rec.ReadOnly, rec.EventSource)
	}
}

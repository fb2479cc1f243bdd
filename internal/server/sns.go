package server

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trailwatch/trailwatch/internal/awserr"
	"github.com/trailwatch/trailwatch/sns"
)

// SNSCertPath is where the listener serves the certificate of the key
// that signs SNS messages (their SigningCertURL), without authentication.
const SNSCertPath = "/_trailwatch/sns/SimpleNotificationService.pem"

// snsKeyFile holds the SNS signing key and its self-signed certificate,
// created on first start.
const snsKeyFile = "sns-signing-key.pem"

// loadSNSKey reads the signing key and certificate from the data
// directory, creating them on first start.
func loadSNSKey(dataDir string) (*rsa.PrivateKey, []byte, error) {
	path := filepath.Join(dataDir, snsKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		var key *rsa.PrivateKey
		var cert []byte
		for rest := b; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			switch blk.Type {
			case "RSA PRIVATE KEY":
				if key, err = x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
					return nil, nil, fmt.Errorf("read %s: %w", path, err)
				}
			case "CERTIFICATE":
				cert = pem.EncodeToMemory(blk)
			}
		}
		if key == nil || cert == nil {
			return nil, nil, fmt.Errorf("read %s: want an RSA PRIVATE KEY and a CERTIFICATE block", path)
		}
		return key, cert, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("generate sns signing key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns.trailwatch.local", Organization: []string{"trailwatch"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create sns signing certificate: %w", err)
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, append(keyPEM, cert...), 0o600); err != nil {
		return nil, nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, cert, nil
}

// snsLinks serves what SNS endpoints fetch without credentials: the
// signing certificate, and the SubscribeURL (ConfirmSubscription) and
// UnsubscribeURL (Unsubscribe) GETs of messages. Everything else goes to
// the front door.
type snsLinks struct {
	svc  *sns.Service
	cert []byte
	next http.Handler
}

func (h *snsLinks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == SNSCertPath {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(h.cert)
		return
	}
	q := r.URL.Query()
	anonymous := r.Header.Get("Authorization") == "" && q.Get("X-Amz-Credential") == ""
	if r.Method != http.MethodGet || r.URL.Path != "/" || !anonymous {
		h.next.ServeHTTP(w, r)
		return
	}
	ctx := r.Context()
	switch q.Get("Action") {
	case "ConfirmSubscription":
		out, err := h.svc.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{
			TopicArn: q.Get("TopicArn"), Token: q.Get("Token"), AuthenticateOnUnsubscribe: q.Get("AuthenticateOnUnsubscribe")})
		if err != nil {
			writeSNSError(w, err)
			return
		}
		writeSNSXML(w, "ConfirmSubscription", "<SubscriptionArn>"+xmlText(out.SubscriptionArn)+"</SubscriptionArn>")
	case "Unsubscribe":
		if _, err := h.svc.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: q.Get("SubscriptionArn")}); err != nil {
			writeSNSError(w, err)
			return
		}
		writeSNSXML(w, "Unsubscribe", "")
	default:
		h.next.ServeHTTP(w, r)
	}
}

// writeSNSXML writes a query-protocol response; result is the inner XML
// of ACTIONResult, or "" for none.
func writeSNSXML(w http.ResponseWriter, action, result string) {
	body := ""
	if result != "" {
		body = "<" + action + "Result>" + result + "</" + action + "Result>"
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, body, newRequestID(), action)
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func writeSNSError(w http.ResponseWriter, err error) {
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		ae = awserr.Internal()
	}
	var msg struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Error   struct {
			Type    string
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}
	msg.Xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"
	msg.Error.Type = "Sender"
	if ae.Status >= 500 {
		msg.Error.Type = "Receiver"
	}
	msg.Error.Code, msg.Error.Message, msg.RequestID = ae.Code, ae.Message, newRequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(ae.Status)
	_ = xml.NewEncoder(w).Encode(msg)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

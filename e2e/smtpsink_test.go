package e2e

import (
	"bytes"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// email is a message the SMTP sink accepted.
type email struct {
	From    string   // MAIL FROM
	To      []string // RCPT TO
	Header  mail.Header
	Subject string
	Body    string
}

// smtpSink is a minimal SMTP server (RFC 5321's mandatory commands, no
// extensions, no TLS or AUTH) that accepts every message and hands it to
// the test: enough for net/smtp.SendMail, which is what SNS email
// delivery uses.
type smtpSink struct {
	Addr string
	Mail chan email

	t  testing.TB
	ln net.Listener
}

func startSMTPSink(t testing.TB) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{Addr: ln.Addr().String(), Mail: make(chan email, 16), t: t, ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 sink.test ESMTP ready") {
		return
	}
	var cur email
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			cur = email{}
			reply("250 sink.test")
		case "MAIL":
			cur = email{From: angle(arg)}
			reply("250 OK")
		case "RCPT":
			cur.To = append(cur.To, angle(arg))
			reply("250 OK")
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				reply("503 need MAIL and RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg, err := mail.ReadMessage(bytes.NewReader(data))
			if err != nil {
				s.t.Errorf("smtp sink: unreadable message: %v\n%s", err, data)
				reply("554 unreadable message")
				continue
			}
			body, _ := io.ReadAll(msg.Body)
			cur.Header, cur.Body = msg.Header, string(body)
			if cur.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
				cur.Subject = msg.Header.Get("Subject")
			}
			deliver(s.t, s.Mail, cur)
			cur = email{}
			reply("250 OK queued")
		case "RSET":
			cur = email{}
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

// angle returns the address in "FROM:<a@b> BODY=…" or "TO:<a@b>".
func angle(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"tongxin/internal/model"
)

// The daily digest (每日摘要): what awaits a user and their unread messages,
// as a page (/digest) and, when SMTP is configured, as one e-mail a day
// (the periodic job "digest.daily"). Without SMTP the e-mail is off, never
// an error.

// Digest is one user's digest.
type Digest struct {
	Awaiting *AwaitingList
	Unread   int
	Recent   []model.Notification // unread messages, newest first
}

// DigestRecent is how many unread messages a digest lists.
const DigestRecent = 10

// Digest builds the actor's digest.
func (s *Awaits) Digest(ctx context.Context, actor model.Actor) (*Digest, error) {
	a, err := s.For(ctx, actor)
	if err != nil {
		return nil, err
	}
	n := NewNotifications(s.d)
	unread, err := n.Unread(ctx, actor)
	if err != nil {
		return nil, err
	}
	d := &Digest{Awaiting: a, Unread: unread}
	if unread > 0 {
		l, err := n.List(ctx, actor, true, model.PageRequest{Limit: DigestRecent})
		if err != nil {
			return nil, err
		}
		d.Recent = l.Items
	}
	return d, nil
}

// Empty reports a digest with nothing in it.
func (d *Digest) Empty() bool { return d.Awaiting.Total == 0 && d.Unread == 0 }

// Mailer sends mail through an SMTP server (config smtp.*).
type Mailer struct {
	Host, Username, Password, From string
	Port                           int
	Timeout                        time.Duration // 0: 10 s
}

// Enabled reports a configured mailer.
func (m Mailer) Enabled() bool { return m.Host != "" && m.From != "" }

// Send sends a plain-text UTF-8 message (subject and body may be Chinese).
// Credentials go only over TLS (STARTTLS) or to a local server (net/smtp).
func (m Mailer) Send(ctx context.Context, to, subject, body string) error {
	port := m.Port
	if port == 0 {
		port = 25
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	addr := net.JoinHostPort(m.Host, strconv.Itoa(port))
	dl := net.Dialer{Timeout: timeout}
	conn, err := dl.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: dial %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("smtp: starttls: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	from := m.From
	if a, err := parseAddress(from); err == nil {
		from = a
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp: mail from: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: rcpt %s: %w", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: data: %w", err)
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		encodeFrom(m.From), to, mime.BEncoding.Encode("UTF-8", subject), time.Now().Format(time.RFC1123Z))
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		msg.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	msg.WriteString(enc + "\r\n")
	if _, err := w.Write(msg.Bytes()); err != nil {
		return fmt.Errorf("smtp: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: end of data: %w", err)
	}
	return c.Quit()
}

// parseAddress takes the address out of "Name <addr>".
func parseAddress(s string) (string, error) {
	i, j := strings.LastIndex(s, "<"), strings.LastIndex(s, ">")
	if i >= 0 && j > i {
		return s[i+1 : j], nil
	}
	if strings.Contains(s, "@") {
		return strings.TrimSpace(s), nil
	}
	return "", fmt.Errorf("smtp: bad address %q", s)
}

// encodeFrom encodes a display name that is not ASCII.
func encodeFrom(s string) string {
	i := strings.LastIndex(s, "<")
	if i <= 0 {
		return s
	}
	return mime.BEncoding.Encode("UTF-8", strings.TrimSpace(s[:i])) + " " + s[i:]
}

// DigestMail is what the daily mail needs besides the mailer: the catalog
// (zh-CN) and the base URL links point to.
type DigestMail struct {
	Mailer  Mailer
	T       func(key string, args ...any) string
	BaseURL string
}

// SendDigests mails the digest to every active user with an e-mail address
// whose digest holds something; (0, nil) when the mailer is off. A failed
// address does not stop the others; the first error is returned.
func SendDigests(ctx context.Context, d Deps, m DigestMail) (int, error) {
	if !m.Mailer.Enabled() {
		return 0, nil
	}
	aw := NewAwaits(d)
	sent := 0
	var first error
	var after int64
	for {
		users, err := d.DB.DigestRecipients(ctx, after, 200)
		if err != nil {
			return sent, err
		}
		if len(users) == 0 {
			return sent, first
		}
		for _, u := range users {
			after = u.ID
			actor := model.Actor{UserID: u.ID, Username: u.Username, RequestID: "digest.daily"}
			dg, err := aw.Digest(ctx, actor)
			if err != nil {
				return sent, err
			}
			if dg.Empty() {
				continue
			}
			subject, body := digestText(dg, m)
			if err := m.Mailer.Send(ctx, u.Email, subject, body); err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			sent++
		}
	}
}

// digestText writes the mail in the catalog's language.
func digestText(dg *Digest, m DigestMail) (string, string) {
	var b strings.Builder
	b.WriteString(m.T("digest.mail_intro") + "\n\n")
	for _, g := range dg.Awaiting.Groups {
		b.WriteString("· " + m.T("awaiting.kind."+g.Kind) + "：" + strconv.FormatInt(g.Total, 10) + "\n")
	}
	if dg.Unread > 0 {
		b.WriteString("· " + m.T("digest.unread", dg.Unread) + "\n")
	}
	b.WriteString("\n" + m.T("digest.mail_open", strings.TrimRight(m.BaseURL, "/")+"/digest") + "\n")
	return m.T("digest.mail_subject", dg.Awaiting.Total), b.String()
}

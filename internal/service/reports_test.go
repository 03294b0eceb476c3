package service_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/report/reporttest"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

func reportDeps(t *testing.T, db *store.DB) service.Deps {
	t.Helper()
	az, err := authz.New(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return service.Deps{DB: db, Authz: az}
}

func reportUser(t *testing.T, db *store.DB, deps service.Deps, role, domain string) model.Actor {
	t.Helper()
	u := testenv.CreateUser(t, db, fmt.Sprintf("rs_%s_%d", role, reportSeq()), role, domain)
	if err := deps.Authz.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return as(u)
}

var reportN int
var reportMu sync.Mutex

func reportSeq() int { reportMu.Lock(); defer reportMu.Unlock(); reportN++; return reportN }

// Who may report on what: a scope outside the caller's answers not found;
// inside, the figures are the glossary's.
func TestReportsScopes(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := reporttest.Build(t, db)
		deps := reportDeps(t, db)
		svc := service.NewReports(deps)
		rev := reportUser(t, db, deps, model.RoleDistrictReviewer, "district:310104")
		sec := reportUser(t, db, deps, model.RoleAllianceSecretary, fmt.Sprintf("alliance:%d", w.A.ID))
		city := reportUser(t, db, deps, "city_reviewer", "sys")
		sys := reportUser(t, db, deps, model.RoleSysadmin, "sys")
		year := report.YearPeriod(2026)
		run := func(a model.Actor, kind string, id int64) (*report.Report, error) {
			return svc.Run(ctx, a, service.ReportInput{ScopeKind: kind, ScopeID: id, Period: year})
		}
		for _, tc := range []struct {
			who  model.Actor
			kind string
			id   int64
			ok   bool
		}{
			{rev, "district", 310104, true}, {rev, "street", w.Street.ID, true}, {rev, "alliance", w.A.ID, true},
			{rev, "committee", w.Committee, true}, {rev, "district", 310101, false}, {rev, "alliance", w.F.ID, false},
			{rev, "city", 0, false},
			{sec, "alliance", w.A.ID, true}, {sec, "committee", w.Committee, true}, {sec, "alliance", w.B.ID, false},
			{sec, "district", 310104, false}, {sec, "street", w.Street.ID, false},
			{city, "city", 0, true}, {city, "district", 310101, true},
			// 三员: the system admin runs accounts, not business figures.
			{sys, "city", 0, false}, {sys, "district", 310104, false},
		} {
			r, err := run(tc.who, tc.kind, tc.id)
			if tc.ok != (err == nil) {
				t.Errorf("%s %s %d: err %v, want ok %v", tc.who.Username, tc.kind, tc.id, err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s %s %d: %v, want not found", tc.who.Username, tc.kind, tc.id, err)
			}
			if tc.ok && tc.kind != "city" && tc.kind != "committee" && tc.id != 310101 {
				for k, want := range reporttest.Want2026 {
					if r.Totals[k] != want {
						t.Errorf("%s %s: %s = %d, want %d", tc.who.Username, tc.kind, k, r.Totals[k], want)
					}
				}
			}
		}
		// Defaults: the reviewer's district, the secretary's alliance, the city.
		for who, want := range map[*model.Actor]string{&rev: "district", &sec: "alliance", &city: "city"} {
			if k, _, ok := svc.DefaultScope(*who); !ok || k != want {
				t.Errorf("%s default scope %s", who.Username, k)
			}
		}
		// The dashboard's figures are the report's for the same period.
		d, err := svc.Dashboard(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Run(ctx, rev, service.ReportInput{ScopeKind: "district", ScopeID: 310104, Period: d.Year, Counters: service.DashboardYearCounters})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range service.DashboardYearCounters {
			if d.This.Totals[k] != r.Totals[k] {
				t.Errorf("dashboard %s = %d, report %d", k, d.This.Totals[k], r.Totals[k])
			}
		}
		if len(d.Ranking) == 0 || d.Ranking[0].Key != fmt.Sprint(w.A.ID) {
			t.Errorf("ranking: %+v", d.Ranking)
		}
		// The annual pack: a report per breakdown, all with the year's totals.
		pack, err := svc.AnnualPack(ctx, rev, "district", 310104, 2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pack {
			if p.Totals["projects_approved"] != 3 {
				t.Errorf("pack %s approved = %d", p.GroupBy, p.Totals["projects_approved"])
			}
		}
		if _, err := svc.AnnualPack(ctx, rev, "district", 310101, 2026); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign pack: %v", err)
		}
		// The unit profile: its contact, the district, not another district's reviewer.
		contact := reportUser(t, db, deps, model.RoleUnitContact, fmt.Sprintf("unit:%d", w.U1))
		foreign := reportUser(t, db, deps, model.RoleDistrictReviewer, "district:310101")
		for _, a := range []model.Actor{contact, rev, sec, city} {
			p, err := svc.UnitProfile(ctx, a, w.U1, year)
			if err != nil || p.Values["unit_projects_led"] != 1 { // P6; P1 is of 年度 2025
				t.Errorf("%s profile: %v %v", a.Username, err, p)
			}
		}
		if _, err := svc.UnitProfile(ctx, foreign, w.U1, year); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign reviewer profile: %v", err)
		}
		if d, err := svc.Dashboard(ctx, contact); err != nil || d.Kind != service.DashboardUnit {
			t.Errorf("contact dashboard: %v %+v", err, d)
		}
	})
}

// fakeSMTP is an SMTP server on 127.0.0.1 that keeps what it receives.
type fakeSMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func startFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { fmt.Fprint(conn, s+"\r\n") }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 fake")
		case strings.HasPrefix(cmd, "MAIL"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			f.mu.Lock()
			f.rcpt = append(f.rcpt, strings.TrimSpace(line[8:]))
			f.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.msgs = append(f.msgs, b.String())
			f.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// The daily digest mail goes out through SMTP when configured, to users
// with something awaiting them, and is off (never an error) without it.
func TestDigestMail(t *testing.T) {
	db := testenv.NewDB(t, store.SQLite)
	ctx := context.Background()
	reporttest.Build(t, db)
	deps := reportDeps(t, db)
	rev := testenv.CreateUser(t, db, "rs_digest_rev", model.RoleDistrictReviewer, "district:310104")
	idle := testenv.CreateUser(t, db, "rs_digest_idle", model.RoleDistrictReviewer, "district:310101")
	for _, u := range []*model.User{rev, idle} {
		if err := db.UpdateUserProfile(ctx, u.ID, u.Version, u.DisplayName, "", u.Username+"@example.gov.cn"); err != nil {
			t.Fatal(err)
		}
	}
	if err := deps.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	T := func(k string, a ...any) string { return k + fmt.Sprint(a...) }
	// Off without SMTP.
	if n, err := service.SendDigests(ctx, deps, service.DigestMail{T: T}); n != 0 || err != nil {
		t.Fatalf("without smtp: %d %v", n, err)
	}
	f := startFakeSMTP(t)
	port := f.ln.Addr().(*net.TCPAddr).Port
	m := service.DigestMail{Mailer: service.Mailer{Host: "127.0.0.1", Port: port, From: "同心 <tongxin@example.gov.cn>"},
		T: func(k string, a ...any) string {
			switch k {
			case "awaiting.kind.reviews":
				return "待审核项目"
			case "digest.mail_open":
				return fmt.Sprintf("登录查看：%s", a...)
			case "digest.mail_subject":
				return fmt.Sprintf("【同心】您有 %d 项待处理事项", a...)
			}
			return k
		}, BaseURL: "https://tongxin.example.gov.cn/"}
	n, err := service.SendDigests(ctx, deps, m)
	if err != nil || n != 1 {
		t.Fatalf("sent %d, err %v; want 1 (the idle reviewer has nothing)", n, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.msgs) != 1 || !strings.Contains(f.rcpt[0], rev.Username+"@example.gov.cn") {
		t.Fatalf("messages %d to %v", len(f.msgs), f.rcpt)
	}
	head, body, _ := strings.Cut(f.msgs[0], "\r\n\r\n")
	if !strings.Contains(head, "Subject: =?UTF-8?b?") || !strings.Contains(head, "charset=UTF-8") {
		t.Errorf("head: %s", head)
	}
	text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.TrimSpace(body), "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "待审核项目：1") || !strings.Contains(string(text), "https://tongxin.example.gov.cn/digest") {
		t.Errorf("body: %s", text)
	}
	// A server that does not answer is an error, not a hang or a panic.
	dead := m
	dead.Mailer.Port = 1
	if _, err := service.SendDigests(ctx, deps, dead); err == nil {
		t.Error("no error from an unreachable server")
	}
}

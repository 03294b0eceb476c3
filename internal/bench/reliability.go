package bench

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// The suites of docs/reliability.md write their latest figure between two
// markers of their own, <!-- figure:NAME --> and <!-- /figure:NAME -->,
// leaving the rest of the page as it is.

// WriteFigure replaces the text between the markers of name in the file at
// path with body.
func WriteFigure(path, name, body string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	open, end := "<!-- figure:"+name+" -->", "<!-- /figure:"+name+" -->"
	s := string(raw)
	i, j := strings.Index(s, open), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, open, end)
	}
	s = s[:i+len(open)] + "\n" + strings.TrimSpace(body) + "\n" + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

// MachineLine describes the machine of a figure: CPU, cores, memory, OS.
func MachineLine(m Machine) string {
	osName := m.OS
	if v := osRelease(); v != "" {
		osName = v + ", " + m.OS
	}
	return fmt.Sprintf("%s, %d cores, %.1f GiB RAM, %s, %s", m.CPU, m.Cores, m.MemGiB, osName, m.Go)
}

// osRelease is the distribution's PRETTY_NAME ("" when unknown).
func osRelease() string {
	raw, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// ChaosMarkdown is the crash suite's figure for docs/reliability.md.
func ChaosMarkdown(rs []*ChaosResult) string {
	var b strings.Builder
	if len(rs) == 0 {
		return "No run yet."
	}
	fmt.Fprintf(&b, "Latest run %s on %s.\n\n", rs[0].Date, MachineLine(rs[0].Machine))
	b.WriteString("| Database | Kills | Writes acknowledged | **Lost** | Missing audit rows | Invariant violations | Requests cut or refused (not acknowledged) | Clients | Time |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		db := r.Dialect
		if r.DBVersion != "" {
			db += " " + r.DBVersion
		}
		fmt.Fprintf(&b, "| %s | %d | %d | **%d** | %d | %d | %d | %d | %.0f s |\n", db, r.Kills, r.Acked, r.Verdict.Lost,
			r.Verdict.MissingAudit, r.Verdict.Violations, r.Failed, r.Clients, r.Seconds)
	}
	b.WriteString("\nWrites acknowledged by kind: ")
	for i, r := range rs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Dialect + " ")
		b.WriteString(actionList(r.ByAction))
	}
	b.WriteString(".\n\nInvariants checked over (the whole database after the run, generated city included): ")
	for i, r := range rs {
		if i > 0 {
			b.WriteString("; ")
		}
		c := r.Verdict.Checked
		fmt.Fprintf(&b, "%s %d needs and resources with %d accepted claims, %d rotation terms of %d alliances, %d code counters with %d codes",
			r.Dialect, c.Capacity, c.Claims, c.Terms, c.Alliances, c.Counters, c.Codes)
	}
	b.WriteString(".\n")
	for _, r := range rs {
		for _, p := range r.Verdict.Problems {
			fmt.Fprintf(&b, "\n- %s: %s", r.Dialect, p)
		}
	}
	return b.String()
}

func actionList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

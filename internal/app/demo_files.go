package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// demoApplicationFiles are the 申报材料 (files attached before approval) of
// the demo projects: the written consent the returned project's reason asks
// for, and the plan of the submitted one the reviewer reads in the queue.
var demoApplicationFiles = []struct {
	project, status, fileName string
	lines                     []string // the PDF's text (ASCII: no font is embedded)
}{
	{"夜间错峰停车试点", model.ProjectReturned, "商业广场书面同意.pdf",
		[]string{"Written consent of the commercial plaza", "Night-time shared parking pilot (demo document)"}},
	{"居民法律咨询服务", model.ProjectSubmitted, "法律咨询服务实施方案.pdf",
		[]string{"Implementation plan", "Legal advice service for residents (demo document)"}},
}

// SeedDemoFiles attaches the demo's 申报材料 (demoApplicationFiles) to its
// projects as the alliance secretary would upload them, through the
// attachment service into uploadDir: the serve command's upload directory
// (upload_dir), so that the server run on the same configuration serves
// them. Run it after SeedDemo. A project that has application files already
// is left alone; it returns how many files it attached.
func SeedDemoFiles(ctx context.Context, db *store.DB, log *slog.Logger, uploadDir string) (int, error) {
	sec, err := db.UserByUsername(ctx, "secretary")
	if err != nil {
		return 0, fmt.Errorf("demo files: the secretary: %w", err)
	}
	az, err := authz.New(ctx, db, log) // the demo's roles as they are now
	if err != nil {
		return 0, err
	}
	files := service.NewAttachments(service.Deps{DB: db, Authz: az}, service.AttachmentOptions{UploadDir: uploadDir})
	actor := model.Actor{UserID: sec.ID, Username: sec.Username, IP: "local"}
	scope := az.Scope(sec.ID, "project", "read")
	added := 0
	for _, f := range demoApplicationFiles {
		list, err := db.ListProjects(ctx, store.ProjectFilter{Q: f.project, Status: f.status, Scope: scope}, model.PageRequest{Limit: 1})
		if err != nil {
			return added, err
		}
		if len(list.Items) == 0 { // not a demo database, or the project moved on
			continue
		}
		id := list.Items[0].ID
		have, err := db.ProjectAttachments(ctx, id)
		if err != nil {
			return added, err
		}
		if hasApplication(have) {
			continue
		}
		if _, err := files.Upload(ctx, actor, id, f.fileName, bytes.NewReader(demoPDF(f.lines))); err != nil {
			return added, fmt.Errorf("demo files: %s: %w", f.fileName, err)
		}
		added++
	}
	return added, nil
}

func hasApplication(as []model.Attachment) bool {
	for _, a := range as {
		if a.Purpose == model.AttachApplication {
			return true
		}
	}
	return false
}

// demoPDF is a one-page PDF showing lines (ASCII) in Helvetica.
func demoPDF(lines []string) []byte {
	var text bytes.Buffer
	text.WriteString("BT /F1 16 Tf 72 760 Td 22 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&text, "(%s) Tj T*\n", pdfEscape(l))
	}
	text.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", text.Len(), text.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfEscape escapes a PDF literal string.
func pdfEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r == '(' || r == ')' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// testPNG is a real 2×2 PNG.
func testPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testOffice is a minimal Office file: a zip with [Content_Types].xml and
// the part that makes it a workbook or a document.
func testOffice(t *testing.T, part string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", part} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "<x/>")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const testPDF = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

// TestAttachments: the type is checked by content, the size by the limit,
// and a file is served only to who may read its project.
func TestAttachments(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		dir := t.TempDir()
		svc := service.NewAttachments(service.Deps{DB: db, Authz: w.az}, service.AttachmentOptions{UploadDir: dir, MaxBytes: 64 << 10})
		p := w.draft(t)
		up := func(u *model.User, name string, body []byte) (*model.Attachment, error) {
			return svc.Upload(ctx, as(u), p.ID, name, bytes.NewReader(body))
		}
		for name, body := range map[string][]byte{
			"照片.png": testPNG(t), "方案.pdf": []byte(testPDF), "预算.xlsx": testOffice(t, "xl/workbook.xml"), "总结.docx": testOffice(t, "word/document.xml"),
		} {
			a, err := up(w.partnerC, name, body)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if a.FileName != name || a.SizeBytes != int64(len(body)) || len(a.Sha256) != 64 {
				t.Errorf("%s: %+v", name, a)
			}
			got, f, err := svc.Open(ctx, as(w.reviewer), p.ID, a.ID)
			if err != nil {
				t.Fatalf("open %s: %v", name, err)
			}
			b, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(b, body) || got.ContentType == "" {
				t.Errorf("%s: read back %d bytes as %s", name, len(b), got.ContentType)
			}
		}
		// A text file renamed .pdf, a zip that is no Office file, a PNG named .pdf.
		for name, body := range map[string][]byte{"报告.pdf": []byte("not a pdf at all"), "表.xlsx": testOffice(t, "other.xml"), "图.pdf": testPNG(t)} {
			_, err := up(w.secretary, name, body)
			f := allianceFields(err)["file"]
			if !strings.HasPrefix(f, "attachment.") {
				t.Errorf("%s: %v, want refused", name, err)
			}
		}
		// Over the limit.
		if _, err := up(w.secretary, "大.pdf", append([]byte(testPDF), make([]byte, 64<<10)...)); !errors.Is(err, service.ErrAttachmentTooLarge) {
			t.Errorf("over the limit: %v", err)
		}
		// Nobody outside the scope uploads or reads; the reviewer reads but may not upload.
		if _, err := up(w.hpReviewer, "x.png", testPNG(t)); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign upload: %v", err)
		}
		if _, err := up(w.reviewer, "x.png", testPNG(t)); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("reviewer upload: %v", err)
		}
		list, err := svc.List(ctx, as(w.leadC), p.ID)
		if err != nil || len(list) != 4 {
			t.Fatalf("list: %d %v", len(list), err)
		}
		if _, _, err := svc.Open(ctx, as(w.hpReviewer), p.ID, list[0].ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("foreign open: %v", err)
		}
		// Another project's id in the path does not reach the file.
		other := w.draft(t)
		if _, _, err := svc.Open(ctx, as(w.secretary), other.ID, list[0].ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("wrong project: %v", err)
		}
		// The same content is stored once; no temp files are left.
		if _, err := up(w.secretary, "again.png", testPNG(t)); err != nil {
			t.Fatal(err)
		}
		var files []string
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if len(files) != 4 {
			t.Errorf("stored files: %v", files)
		}
	})
}

package service

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Attachments of projects and meetings (minutes, photos): photos (JPEG,
// PNG), PDF, xlsx and docx. The type is decided by the content (the first
// bytes, and the parts inside the zip of an Office file), never by the
// name; the name's extension must agree with it. Files are stored under the
// upload directory by their SHA-256 (the same file uploaded twice is stored
// once) and served only to those who may read the owner. Each owner kind
// has its own rights: a project's are project:read and
// project:update_progress while it is open, a meeting's meeting:read and
// meeting:update while it is not cancelled.
type Attachments struct {
	db       *store.DB
	projects *Projects
	meetings *Meetings
	o        AttachmentOptions
}

// AttachmentOptions configure the attachment store.
type AttachmentOptions struct {
	// UploadDir is the root of the stored files (shared between instances).
	UploadDir string
	// MaxBytes is the largest file accepted (uploads.max_bytes).
	MaxBytes int64
}

// DefaultAttachmentMaxBytes is the size limit when none is configured.
const DefaultAttachmentMaxBytes = 20 << 20

// NewAttachments builds the service.
func NewAttachments(d Deps, o AttachmentOptions) *Attachments {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultAttachmentMaxBytes
	}
	return &Attachments{db: d.DB, projects: NewProjects(d), meetings: NewMeetings(d), o: o}
}

// MaxBytes is the size limit of one file.
func (s *Attachments) MaxBytes() int64 { return s.o.MaxBytes }

// ErrAttachmentTooLarge refuses a file over the limit (413).
var ErrAttachmentTooLarge = errors.New("attachment too large")

// ActionAttachmentCreate is the audit action of an upload.
const ActionAttachmentCreate = "attachment.create"

// AttachmentNameMax is the longest file name kept (characters).
const AttachmentNameMax = 200

// attachmentKind is a type we accept: its media type and the extensions a
// file name of it may have.
type attachmentKind struct {
	ContentType string
	Exts        []string
}

var (
	kindJPEG = attachmentKind{"image/jpeg", []string{".jpg", ".jpeg"}}
	kindPNG  = attachmentKind{"image/png", []string{".png"}}
	kindPDF  = attachmentKind{"application/pdf", []string{".pdf"}}
	kindXLSX = attachmentKind{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}}
	kindDOCX = attachmentKind{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}}
)

// sniffAttachment decides the type of the file f of size n by its content;
// ok is false for anything we do not accept.
func sniffAttachment(f io.ReaderAt, n int64) (attachmentKind, bool) {
	head := make([]byte, 512)
	m, _ := f.ReadAt(head, 0)
	head = head[:m]
	switch http.DetectContentType(head) {
	case "image/jpeg":
		return kindJPEG, true
	case "image/png":
		return kindPNG, true
	case "application/pdf":
		return kindPDF, true
	case "application/zip":
		zr, err := zip.NewReader(f, n)
		if err != nil {
			return attachmentKind{}, false
		}
		has := map[string]bool{}
		for _, zf := range zr.File {
			has[zf.Name] = true
		}
		switch {
		case !has["[Content_Types].xml"]:
			return attachmentKind{}, false
		case has["xl/workbook.xml"]:
			return kindXLSX, true
		case has["word/document.xml"]:
			return kindDOCX, true
		}
	}
	return attachmentKind{}, false
}

// attachmentFileName keeps the base name of an uploaded file, without control
// characters or path separators, at most AttachmentNameMax characters.
func attachmentFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base("/" + name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "/" || name == "." {
		name = ""
	}
	if r := []rune(name); len(r) > AttachmentNameMax {
		ext := filepath.Ext(name)
		name = string(r[:AttachmentNameMax-len([]rune(ext))]) + ext
	}
	return name
}

// attachOwner is what an attachment belongs to, after the rights on it
// were checked: its kind, id and audit domain.
type attachOwner struct {
	kind   string
	id     int64
	domain string
	// purpose of a file uploaded to it now (a project's 申报材料 before
	// approval).
	purpose string
}

// owner loads the owner of kind and id for act ("read" or "upload"),
// checking the actor's rights: 404 outside their scope, 403 when they read
// it but may not upload, 422 when it takes no more files.
func (s *Attachments) owner(ctx context.Context, actor model.Actor, kind string, id int64, act string) (*attachOwner, error) {
	switch kind {
	case model.AttachOwnerProject:
		perm := "read"
		if act == "upload" {
			perm = "update_progress"
		}
		p, _, err := s.projects.load(ctx, actor, id, perm, false)
		if err != nil {
			return nil, err
		}
		if act == "upload" && !model.ProjectOpen(p.Status) {
			return nil, model.Rule("project_closed", "attachment.project_closed")
		}
		o := &attachOwner{kind: kind, id: p.ID, domain: projectDomain(p)}
		if model.ProjectTakesApplication(p.Status) {
			o.purpose = model.AttachApplication
		}
		return o, nil
	case model.AttachOwnerMeeting:
		m, err := s.meetings.Get(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		if act == "upload" {
			if err := s.meetings.authz.Check(actor.UserID, meetingChain(&m.Meeting), "meeting", "update"); err != nil {
				return nil, err
			}
			if m.Status == model.MeetingCancelled {
				return nil, model.Rule("meeting_cancelled", "meeting.is_cancelled")
			}
		}
		return &attachOwner{kind: kind, id: m.ID, domain: allianceDomain(m.AllianceID)}, nil
	}
	return nil, model.NotFound(kind, id)
}

// Upload stores a file as an attachment of a project (project:update_progress
// on its chain, while the project is open): 404 outside the actor's scope,
// ErrAttachmentTooLarge over the limit, a field error on "file" for a type
// we do not accept or a name that lies about it.
func (s *Attachments) Upload(ctx context.Context, actor model.Actor, projectID int64, fileName string, body io.Reader) (*model.Attachment, error) {
	return s.UploadTo(ctx, actor, model.AttachOwnerProject, projectID, fileName, body)
}

// UploadTo stores a file as an attachment of the owner of kind (project or
// meeting) and id, with that owner's upload right; see Upload.
func (s *Attachments) UploadTo(ctx context.Context, actor model.Actor, kind string, ownerID int64, fileName string, body io.Reader) (*model.Attachment, error) {
	o, err := s.owner(ctx, actor, kind, ownerID, "upload")
	if err != nil {
		return nil, err
	}
	name := attachmentFileName(fileName)
	if name == "" || body == nil {
		return nil, (&model.ValidationError{}).Add("file", "attachment.file_required")
	}
	dir := filepath.Join(s.o.UploadDir, "attachments")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // gone already when renamed
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, s.o.MaxBytes+1))
	if err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			return nil, ErrAttachmentTooLarge
		}
		return nil, err
	}
	if n > s.o.MaxBytes {
		return nil, ErrAttachmentTooLarge
	}
	if n == 0 {
		return nil, (&model.ValidationError{}).Add("file", "attachment.file_required")
	}
	sniffed, ok := sniffAttachment(tmp, n)
	if !ok {
		return nil, (&model.ValidationError{}).Add("file", "attachment.bad_type")
	}
	if !slices.Contains(sniffed.Exts, strings.ToLower(filepath.Ext(name))) {
		return nil, (&model.ValidationError{}).AddArgs("file", "attachment.type_mismatch", strings.Join(sniffed.Exts, " "))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	rel := filepath.ToSlash(filepath.Join("attachments", sum[:2], sum))
	abs := filepath.Join(s.o.UploadDir, filepath.FromSlash(rel))
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp.Name(), abs); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	a := &model.Attachment{OwnerKind: o.kind, OwnerID: o.id, Purpose: o.purpose, FileName: name, ContentType: sniffed.ContentType,
		SizeBytes: n, Sha256: sum, StoredPath: rel}
	if actor.UserID != 0 {
		uid := actor.UserID
		a.CreatedBy = &uid
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateAttachment(ctx, a); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, ActionAttachmentCreate, "attachment", a.ID, o.domain, map[string]any{
			o.kind + "_id": o.id, "file_name": a.FileName, "content_type": a.ContentType, "size_bytes": a.SizeBytes, "sha256": a.Sha256,
		})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// List lists the attachments of a project the actor may read (its own and
// those of its progress updates).
func (s *Attachments) List(ctx context.Context, actor model.Actor, projectID int64) ([]model.Attachment, error) {
	return s.ListOf(ctx, actor, model.AttachOwnerProject, projectID)
}

// ListOf lists the attachments of the owner of kind and id the actor may read.
func (s *Attachments) ListOf(ctx context.Context, actor model.Actor, kind string, ownerID int64) ([]model.Attachment, error) {
	o, err := s.owner(ctx, actor, kind, ownerID, "read")
	if err != nil {
		return nil, err
	}
	if o.kind == model.AttachOwnerMeeting {
		return s.db.MeetingAttachments(ctx, o.id)
	}
	return s.db.ProjectAttachments(ctx, o.id)
}

// Open returns an attachment of the project and its file, for someone who
// may read the project; an attachment of another project is not found.
// The caller closes the file.
func (s *Attachments) Open(ctx context.Context, actor model.Actor, projectID, id int64) (*model.Attachment, *os.File, error) {
	return s.OpenOf(ctx, actor, model.AttachOwnerProject, projectID, id)
}

// OpenOf returns an attachment of the owner of kind and id and its file, for
// someone who may read the owner; an attachment of another owner is not
// found. The caller closes the file.
func (s *Attachments) OpenOf(ctx context.Context, actor model.Actor, kind string, ownerID, id int64) (*model.Attachment, *os.File, error) {
	o, err := s.owner(ctx, actor, kind, ownerID, "read")
	if err != nil {
		return nil, nil, err
	}
	a, err := s.db.AttachmentByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	belongs := a.OwnerKind == o.kind && a.OwnerID == o.id
	if o.kind == model.AttachOwnerProject {
		owner, err := s.db.AttachmentProject(ctx, a)
		if err != nil {
			return nil, nil, err
		}
		belongs = owner == o.id && a.OwnerKind != model.AttachOwnerMeeting
	}
	if !belongs {
		return nil, nil, model.NotFound("attachment", id)
	}
	f, err := os.Open(filepath.Join(s.o.UploadDir, filepath.FromSlash(a.StoredPath)))
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, f, nil
}

// CheckUpload answers whether the actor may upload to the project: 404
// outside their scope, 403 when they read it but may not report progress.
func (s *Attachments) CheckUpload(ctx context.Context, actor model.Actor, projectID int64) error {
	_, _, err := s.projects.load(ctx, actor, projectID, "update_progress", false)
	return err
}

// CheckUploadTo answers whether the actor may upload to the owner of kind
// and id (see owner).
func (s *Attachments) CheckUploadTo(ctx context.Context, actor model.Actor, kind string, ownerID int64) error {
	_, err := s.owner(ctx, actor, kind, ownerID, "upload")
	return err
}

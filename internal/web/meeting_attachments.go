package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"tongxin/internal/model"
	"tongxin/internal/report"
	"tongxin/internal/service"
)

// Meeting attachments (会议附件: minutes, photos): upload from the meeting
// page and the API, list, download. The attachment service checks each
// owner with its own rights (meeting:read to read, meeting:update to upload,
// not on a cancelled meeting); files are typed by content as for projects.

// Paths of the meeting uploads: they have the attachment limit instead of
// the general body limit (routes.go skips them there).
const (
	meetingUploadPath    = "/meetings/:id/attachments"
	meetingAPIUploadPath = "/api/v1/meetings/:id/attachments"
	// meetingPageFiles is how many files one page upload takes.
	meetingPageFiles = 10
)

// isMeetingUpload reports a request that uploads meeting attachments.
func isMeetingUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && (c.Path() == meetingUploadPath || c.Path() == meetingAPIUploadPath)
}

// meetingUploadBodyLimit bounds a meeting upload's body: meetingPageFiles
// files at the limit and the form's fields (the API takes one file; the
// service answers 413 for a file over the limit). It runs before the CSRF
// check, which reads the form.
func (s *Server) meetingUploadBodyLimit() echo.MiddlewareFunc {
	limit := s.opts.AttachmentMaxBytes
	if limit <= 0 {
		limit = service.DefaultAttachmentMaxBytes
	}
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", limit*meetingPageFiles+1<<20),
		Skipper: func(c echo.Context) bool { return !isMeetingUpload(c) }})
}

// attachmentMaxMB is the file limit in whole MB, for the help text.
func (s *Server) attachmentMaxMB() int64 {
	limit := s.opts.AttachmentMaxBytes
	if limit <= 0 {
		limit = service.DefaultAttachmentMaxBytes
	}
	return limit >> 20
}

// meetingAttachmentCreate uploads files to a meeting from its page; a file
// refused (type, size) is a message, the others are kept.
func (s *Server) meetingAttachmentCreate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, loc, svc := c.Request().Context(), Locale(c), s.attachmentService()
	if err := svc.CheckUploadTo(ctx, actor(c), model.AttachOwnerMeeting, id); err != nil {
		return err
	}
	back := "/meetings/" + strconv.FormatInt(id, 10) + "#files"
	form, err := c.MultipartForm()
	if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		if projectTooLarge(err) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return err
	}
	saved := 0
	var files []*multipart.FileHeader
	if form != nil {
		files = form.File["files"]
	}
	if len(files) == 0 {
		s.flash(c, "error", "meeting.file_error", "", s.cat.T(loc, "attachment.file_required"))
		return c.Redirect(http.StatusSeeOther, back)
	}
	if len(files) > meetingPageFiles {
		s.flash(c, "error", "meeting.files_too_many", meetingPageFiles)
		return c.Redirect(http.StatusSeeOther, back)
	}
	for _, f := range files {
		r, err := f.Open()
		if err != nil {
			return err
		}
		_, err = svc.UploadTo(ctx, actor(c), model.AttachOwnerMeeting, id, f.Filename, r)
		r.Close()
		var ve *model.ValidationError
		switch {
		case err == nil:
			saved++
		case errors.Is(err, service.ErrAttachmentTooLarge):
			s.flash(c, "error", "meeting.file_error", f.Filename, s.cat.T(loc, "meeting.file_too_large", s.attachmentMaxMB()))
		case errors.As(err, &ve):
			for _, m := range s.fieldMessages(loc, ve) {
				s.flash(c, "error", "meeting.file_error", f.Filename, m)
			}
		default:
			return err
		}
	}
	if saved > 0 {
		s.flash(c, "success", "meeting.files_saved", saved)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// meetingAttachmentDownload serves a meeting's file to who may read the
// meeting (pages and API alike), as a download, never rendered inline.
func (s *Server) meetingAttachmentDownload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(c, "aid")
	if err != nil {
		return err
	}
	a, f, err := s.attachmentService().OpenOf(c.Request().Context(), actor(c), model.AttachOwnerMeeting, id, aid)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, a.ContentType)
	h.Set(echo.HeaderContentDisposition, report.ContentDisposition(a.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(c.Response(), c.Request(), "", a.CreatedAt, f)
	return nil
}

func toMeetingAttachmentJSON(meetingID int64, a *model.Attachment) projectAttachmentJSON {
	out := toProjectAttachmentJSON(0, a)
	out.URL = fmt.Sprintf("/api/v1/meetings/%d/attachments/%d", meetingID, a.ID)
	return out
}

func (s *Server) apiMeetingAttachments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.attachmentService().ListOf(c.Request().Context(), actor(c), model.AttachOwnerMeeting, id)
	if err != nil {
		return err
	}
	out := apiList[projectAttachmentJSON]{Items: make([]projectAttachmentJSON, 0, len(list)), Total: int64(len(list))}
	for i := range list {
		out.Items = append(out.Items, toMeetingAttachmentJSON(id, &list[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiMeetingAttachmentUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, svc := c.Request().Context(), s.attachmentService()
	fh, err := c.FormFile("file")
	var me *http.MaxBytesError
	switch {
	case errors.Is(err, echo.ErrStatusRequestEntityTooLarge), errors.As(err, &me):
		return echo.ErrStatusRequestEntityTooLarge
	case err != nil:
		// No file: answer the scope and the right first (404, 403), then the field.
		if cerr := svc.CheckUploadTo(ctx, actor(c), model.AttachOwnerMeeting, id); cerr != nil {
			return cerr
		}
		return (&model.ValidationError{}).Add("file", "attachment.file_required")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := svc.UploadTo(ctx, actor(c), model.AttachOwnerMeeting, id, fh.Filename, f)
	if errors.Is(err, service.ErrAttachmentTooLarge) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/meetings/%d/attachments/%d", id, a.ID))
	return c.JSON(http.StatusCreated, toMeetingAttachmentJSON(id, a))
}

func init() {
	apiDocs["GET /api/v1/meetings/:id/attachments"] = apiDoc{Tag: "governance", Summary: "The meeting's attachments (minutes, photos)", Response: "list:Attachment"}
	apiDocs["POST /api/v1/meetings/:id/attachments"] = apiDoc{Tag: "governance", Summary: "Upload a file to a meeting that is not cancelled (multipart field file): JPEG, PNG, PDF, xlsx or docx, checked by content; the name's extension must match; over uploads.max_bytes answers 413; answers 201", Body: "AttachmentUpload", BodyType: "multipart/form-data", Response: "Attachment"}
	apiDocs["GET /api/v1/meetings/:id/attachments/:aid"] = apiDoc{Tag: "governance", Summary: "Download a meeting's attachment (Content-Disposition attachment, nosniff); 404 outside the meeting's scope"}
}

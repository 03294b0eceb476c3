package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// ctxBody is where watchBody leaves the request's watched body.
const ctxBody = "tx.body"

// watchedBody remembers whether reading the request body failed for a
// reason of the connection (a read deadline passed, the client stopped
// sending before the announced length), as opposed to the body's content.
type watchedBody struct {
	io.ReadCloser
	failed atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && isConnError(err) {
		b.failed.Store(true)
	}
	return n, err
}

// isConnError reports a read error of the connection: a read deadline
// passed, the body was cut off (unexpected EOF), the connection was reset.
// http.MaxBytesError is the body's size, not the connection.
func isConnError(err error) bool {
	var me *http.MaxBytesError
	return !errors.As(err, &me)
}

// bodyFailed reports that the request's body could not be read to its end
// (too slow or cut off): the answer is 408, whatever the handler made of it.
func bodyFailed(c echo.Context) bool {
	b, _ := c.Get(ctxBody).(*watchedBody)
	return b != nil && b.failed.Load()
}

// isUploadRequest reports a request that carries files: the routes that
// take multipart bodies (imports, project and meeting attachments, the
// project pages with files). They read their body under the upload deadline.
func isUploadRequest(c echo.Context) bool {
	if c.Request().Method != http.MethodPost {
		return false
	}
	if !(isUpload(c) || isAttachmentUpload(c) || isMeetingUpload(c)) {
		return false
	}
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	return ct == echo.MIMEMultipartForm
}

// watchBody wraps the body (see watchedBody) and gives an upload its own
// read deadline (http.upload_timeout), longer than the server's read
// timeout, which every other request keeps: a 20 MiB file at 200 kB/s
// takes 100 s and is not an attack.
func (s *Server) watchBody(c echo.Context) {
	r := c.Request()
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	wb := &watchedBody{ReadCloser: r.Body}
	r.Body = wb
	c.Set(ctxBody, wb)
	if s.opts.UploadTimeout > 0 && isUploadRequest(c) {
		// Unsupported under a test recorder; the server's deadline then holds.
		rc := http.NewResponseController(c.Response().Writer)
		_ = rc.SetReadDeadline(time.Now().Add(s.opts.UploadTimeout))
		// The server's write timeout runs from the request's start: the
		// answer to a long upload needs the time of the upload on top.
		_ = rc.SetWriteDeadline(time.Now().Add(s.opts.UploadTimeout + time.Minute))
	}
}

package importer

// The guards of the xlsx reader: what reading one file may cost (budget), the
// bytes inflated from each part (partReader), the longest text run handed to
// encoding/xml (runGuard) and what the zip's central directory declares.

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"math"
	"time"
)

// maxZipEntries bounds the parts of a workbook (a real one has a few dozen).
const maxZipEntries = 10000

// smallPart is the size of the parts read whole (workbook, relationships,
// styles): far above what a real workbook needs.
const smallPart = 8 << 20

// budget is what reading one file may cost: bytes inflated and time spent.
type budget struct {
	ctx      context.Context
	limits   Limits
	inflated int64
	// spent is the reading time of the finished reads; running is when the
	// current one started (zero: none).
	spent   time.Duration
	running time.Time
	// err is the first refusal (or context error) of a guard: the decoder
	// may report a later complaint of its own instead (a rune cut short).
	err error
}

// fail records the first error of a guard and returns it.
func (b *budget) fail(err error) error {
	if b.err == nil {
		b.err = err
	}
	return b.err
}

func (b *budget) start() { b.running = time.Now() }

func (b *budget) stop() {
	if !b.running.IsZero() {
		b.spent += time.Since(b.running)
		b.running = time.Time{}
	}
}

// check refuses once the reading time is spent, and stops when ctx ends.
func (b *budget) check() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	used := b.spent
	if !b.running.IsZero() {
		used += time.Since(b.running)
	}
	if used > b.limits.ParseTime {
		return refuse(MsgParseTimeout, int(math.Ceil(b.limits.ParseTime.Seconds())))
	}
	return nil
}

// partReader counts the bytes inflated from one zip part.
type partReader struct {
	name       string
	r          io.ReadCloser
	b          *budget
	n          int64
	compressed int64
	reads      int
}

func (p *partReader) Read(buf []byte) (int, error) {
	p.reads++
	if p.reads%16 == 0 {
		if err := p.b.check(); err != nil {
			return 0, p.b.fail(err)
		}
	}
	n, err := p.r.Read(buf)
	p.n += int64(n)
	p.b.inflated += int64(n)
	l := p.b.limits
	switch {
	case p.n > l.MaxPart:
		return 0, p.b.fail(refuse(MsgPartTooLarge, p.name, HumanSize(l.MaxPart)))
	case p.b.inflated > l.MaxUnzipped:
		return 0, p.b.fail(refuse(MsgUnzippedTooLarge, HumanSize(l.MaxUnzipped)))
	case p.n > 1<<20 && p.n > p.compressed*l.MaxRatio:
		return 0, p.b.fail(refuse(MsgRatioTooHigh, p.name, l.MaxRatio))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, p.b.fail(refuse(MsgNotXLSX))
	}
	return n, err
}

func (p *partReader) Close() error { return p.r.Close() }

// runGuard sits between a part and encoding/xml: it refuses a text run (a
// cell's value) or a tag longer than maxRun bytes before the decoder would
// buffer it whole.
type runGuard struct {
	b      *budget
	r      io.Reader
	maxRun int
	run    int
	inTag  bool
}

func (g *runGuard) Read(buf []byte) (int, error) {
	n, err := g.r.Read(buf)
	for _, c := range buf[:n] {
		switch c {
		case '<':
			g.inTag, g.run = true, 0
		case '>':
			if g.inTag {
				g.inTag, g.run = false, 0
				continue
			}
			g.run++
			if g.run > g.maxRun {
				return 0, g.b.fail(refuse(MsgCellTooLong, 0, g.maxRun/8))
			}
		default:
			g.run++
			if g.run > g.maxRun {
				return 0, g.b.fail(refuse(MsgCellTooLong, 0, g.maxRun/8))
			}
		}
	}
	return n, err
}

// checkZipDirectory checks what the central directory declares: the number
// of parts, each part's size, their sum and each part's ratio. A file that
// lies about its sizes is caught again while inflating.
func checkZipDirectory(zr *zip.Reader, size int64, l Limits) error {
	if len(zr.File) > maxZipEntries {
		return refuse(MsgNotXLSX)
	}
	var total uint64
	for _, zf := range zr.File {
		if zf.Method != zip.Store && zf.Method != zip.Deflate {
			return refuse(MsgNotXLSX)
		}
		u := zf.UncompressedSize64
		if u > uint64(l.MaxPart) {
			return refuse(MsgPartTooLarge, zf.Name, HumanSize(l.MaxPart))
		}
		total += u
		if total > uint64(l.MaxUnzipped) {
			return refuse(MsgUnzippedTooLarge, HumanSize(l.MaxUnzipped))
		}
		c := min(zf.CompressedSize64, uint64(size))
		if u > 1<<20 && u > c*uint64(l.MaxRatio) {
			return refuse(MsgRatioTooHigh, zf.Name, l.MaxRatio)
		}
	}
	return nil
}

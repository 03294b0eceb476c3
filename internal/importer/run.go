package importer

import (
	"context"
	"fmt"
)

// Handler is the kind-specific half of an import (units, later needs,
// resources, projects): it validates rows and writes them in batches.
type Handler interface {
	// Check validates one row. A refused row returns its reason, already in
	// the reader's language; an accepted row is kept for the next Flush.
	Check(ctx context.Context, row Row) (reason string, err error)
	// Pending returns how many accepted rows wait for Flush.
	Pending() int
	// Flush writes the accepted rows, one transaction per call (nothing on
	// a dry run), and says how many were new and how many existed already.
	// Rows the write itself refused come back in Failed.
	Flush(ctx context.Context) (Flushed, error)
}

// Flushed is the outcome of one Flush.
type Flushed struct {
	Created, Unchanged int
	Failed             []Failure
}

// Failure is a refused row and why.
type Failure struct {
	Row    Row
	Reason string
}

// Progress counts the rows of a run so far.
type Progress struct {
	Processed, Created, Unchanged, Errors int
}

// Options configure Run.
type Options struct {
	// BatchSize is how many accepted rows one Flush writes (default 500).
	BatchSize int
	// ErrorFile is where the failed rows go ("" keeps no file).
	ErrorFile string
	// Progress is called after every batch (at least every BatchSize rows
	// read) and once at the end; an error from it stops the run.
	Progress func(ctx context.Context, p Progress) error
}

// DefaultBatchSize is the number of rows written per transaction.
const DefaultBatchSize = 500

// Result is the outcome of a run.
type Result struct {
	Progress
	// ErrorFile is the path of the error file, "" when no row failed.
	ErrorFile string
}

// Run reads every row of r through h: Check, then Flush every BatchSize
// accepted rows, writing refused rows to the error file. It stops at the
// first error that is not a row's own (database, context, damaged file).
func Run(ctx context.Context, r *Reader, h Handler, o Options) (Result, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	var res Result
	var ef *ErrorFile
	if o.ErrorFile != "" {
		ef = NewErrorFile(o.ErrorFile, r.spec)
	}
	fail := func(row Row, reason string) error {
		res.Errors++
		if ef != nil {
			return ef.Add(row, reason)
		}
		return nil
	}
	report := func() error {
		if o.Progress == nil {
			return nil
		}
		return o.Progress(ctx, res.Progress)
	}
	flush := func() error {
		if h.Pending() == 0 {
			return nil
		}
		f, err := h.Flush(ctx)
		if err != nil {
			return err
		}
		res.Created += f.Created
		res.Unchanged += f.Unchanged
		for _, x := range f.Failed {
			if err := fail(x.Row, x.Reason); err != nil {
				return err
			}
		}
		return nil
	}
	abort := func(err error) (Result, error) {
		if ef != nil {
			ef.Abort()
		}
		return res, err
	}
	reported := 0
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return abort(err)
		}
		row := r.Row()
		reason, err := h.Check(ctx, row)
		if err != nil {
			return abort(fmt.Errorf("import row %d: %w", row.Line, err))
		}
		res.Processed++
		if reason != "" {
			if err := fail(row, reason); err != nil {
				return abort(err)
			}
		}
		if h.Pending() >= o.BatchSize {
			if err := flush(); err != nil {
				return abort(err)
			}
		}
		if res.Processed-reported >= o.BatchSize {
			reported = res.Processed
			if err := report(); err != nil {
				return abort(err)
			}
		}
	}
	if err := r.Err(); err != nil {
		return abort(err)
	}
	if err := flush(); err != nil {
		return abort(err)
	}
	if ef != nil {
		path, err := ef.Close()
		if err != nil {
			return res, err
		}
		res.ErrorFile = path
	}
	if err := report(); err != nil {
		return res, err
	}
	return res, nil
}

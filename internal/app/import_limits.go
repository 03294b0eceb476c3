package app

import (
	"tongxin/internal/config"
	"tongxin/internal/importer"
)

// importLimits are the import section's limits on what a file may hold and
// what reading it may cost.
func importLimits(cfg config.Config) importer.Limits {
	c := cfg.Import
	return importer.Limits{MaxBytes: c.MaxBytes, MaxRows: c.MaxRows,
		MaxUnzipped: c.MaxUnzipped, MaxPart: c.MaxPart, MaxRatio: c.MaxRatio, MaxCell: c.MaxCell,
		MaxColumns: c.MaxColumns, MaxSheetRows: c.MaxSheetRows, MaxSharedStrings: c.MaxSharedStrings,
		MaxSharedBytes: c.MaxSharedBytes, ParseTime: c.ParseTime}
}

package model

// Optimistic locking: every editable object carries a version (1 when made,
// bumped by every change). An edit or an action names the version it read;
// without one the request is refused (400 on the field version), with
// another than the stored one it is stale (409) and changes nothing.

// Message keys of the version checks.
const (
	// MsgVersionMissing: the request carries no version (or not a number).
	MsgVersionMissing = "form.version_missing"
	// MsgStaleVersion: the version read is not the stored one; args: the
	// version read, the stored one.
	MsgStaleVersion = "form.stale_version"
	// MsgStaleChanges: as MsgStaleVersion, and what happened since; args:
	// the version read, the stored one, who acted, the operations (Labels).
	MsgStaleChanges = "form.stale_version_changes"
)

// VersionError is the 400 of a request without a usable version. It is not
// a ValidationError, so that a form is not shown again as if a field the
// user typed were wrong: the page the request came from is stale or broken.
type VersionError struct{}

func (*VersionError) Error() string { return "version: " + MsgVersionMissing }

// Unwrap lets errors.Is(err, ErrInvalid) match (400).
func (*VersionError) Unwrap() error { return ErrInvalid }

// VersionMissing is the 400 of a request without a usable version.
func VersionMissing() error { return &VersionError{} }

// RequireVersion refuses a version that no object can have (versions start at 1).
func RequireVersion(read int) error {
	if read < 1 {
		return VersionMissing()
	}
	return nil
}

// CheckVersion refuses a missing version (400) and one that is not the
// stored version current (409 naming both); it never lets 0 through.
func CheckVersion(read, current int) error {
	if err := RequireVersion(read); err != nil {
		return err
	}
	if read != current {
		return Conflict(MsgStaleVersion, read, current)
	}
	return nil
}

// Package fuseoverlayfs stands in for containerd's fuse-overlayfs snapshotter, which Debian
// does not package. buildkitd links it for rootless setups only; Slipway's builders run as
// root on overlayfs, so both entry points simply report that it is not built in.
package fuseoverlayfs

import (
	"errors"

	"github.com/containerd/containerd/v2/core/snapshots"
)

// Opt configures the snapshotter (none exist in this stand-in).
type Opt func(*struct{}) error

var errNotBuilt = errors.New("fuse-overlayfs snapshotter: not built into this buildkitd")

// Supported reports that the snapshotter cannot be used at root.
func Supported(root string) error { return errNotBuilt }

// NewSnapshotter always fails: there is no snapshotter behind this package.
func NewSnapshotter(root string, opts ...Opt) (snapshots.Snapshotter, error) {
	return nil, errNotBuilt
}

// Package version reports interloop's version, stored in every result.
package version

import "runtime/debug"

// Version is the release version; bumped by hand at releases.
const Version = "0.1.0-dev"

// String returns the version with the VCS revision when the binary was
// built from a checkout with build info.
func String() string {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = s.Value[:12]
			}
		}
	}
	if rev == "" {
		return Version
	}
	return Version + "+" + rev
}

package admin

import (
	"runtime"
	"runtime/debug"
	"time"
)

// rccModule is this module's path, to find its version in the build
// information of a host built from another module.
const rccModule = "github.com/rcc-go/rcc"

// buildInfo is what the status page and rcc_build_info say about the
// binary.
type buildInfo struct {
	// Version is the host's version (Config.Version), else the main
	// module's, else "devel".
	Version string
	// Module is the main module's path; RCC the version of this module
	// when the main module is another one.
	Module, RCC string
	// GoVersion is the Go release the binary was built with.
	GoVersion string
	// Revision and Time are the version control revision and its commit
	// time, when the build recorded them; Modified says the tree had
	// uncommitted changes.
	Revision string
	Time     time.Time
	Modified bool
}

// readBuildInfo reads the binary's build information.
func readBuildInfo(version string) buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		b.Module = bi.Main.Path
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		if bi.Main.Path != rccModule {
			for _, d := range bi.Deps {
				if d.Path == rccModule {
					b.RCC = d.Version
					if d.Replace != nil && d.Replace.Version != "" {
						b.RCC = d.Replace.Version
					}
				}
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time, _ = time.Parse(time.RFC3339, s.Value)
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// shortRevision returns the first 12 characters of a revision, as git
// abbreviates it.
func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}

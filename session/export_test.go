package session

// BenchDirectory, BenchUser and BenchLine give the end-to-end benchmarks
// of package session_test the directory of the package's own benchmarks.
var (
	BenchDirectory = benchDirectory
	BenchUser      = benchUser
	BenchLine      = benchLine
)

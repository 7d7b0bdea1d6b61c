package located

// Pos is a place in a directory file, which Places.Resolve turns into a
// line and a column; 0 is unknown. A later place in the file is a larger
// Pos.
type Pos int64

// Places locates the elements of a Data in the file it was decoded from.
// Each slice runs parallel to the Data slice of the same name
// (Apps to Data.Appearances).
type Places struct {
	File    string
	Resolve func(Pos) (line, col int)
	Lines   []Line
	Devices []Device
	Apps    []App
	Users   []User
}

// Line locates a line: the element, its number and its partition.
type Line struct{ At, DN, Partition Pos }

// Device locates a device: the element, its name and its kind.
type Device struct{ At, Name, Kind Pos }

// App locates an appearance; Dev, when not 0, is 1 + the index in
// Data.Devices of the device the file lists it under.
type App struct {
	At, DN, Index Pos
	Dev           int32
}

// User locates a user: the element, its address and each of its devices.
type User struct {
	At, AOR Pos
	Devices []Pos
}

// Decode decodes a directory file into a *lineappearance.Data and the
// places of its elements.
type Decode func() (data any, places *Places, err error)

// The hooks package lineappearance sets. data is a *lineappearance.Data,
// opts a lineappearance.Options and store a *lineappearance.Store.
var (
	// Validate validates data with the places of its elements.
	Validate func(data any, places *Places) error
	// NewStore checks opts, then decodes, validates and indexes a
	// directory once and returns a new *lineappearance.Store holding it.
	NewStore func(opts any, decode Decode) (store any, err error)
	// Replace decodes, validates and indexes a directory and makes it the
	// store's, as Store.Replace does; on error the store is unchanged.
	Replace func(store any, decode Decode) error
)

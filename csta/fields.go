package csta

import (
	"strconv"
)

// Every message type describes its fields once, in schema order, in a
// codec(*fieldCodec) method. The same description encodes the message,
// decodes it and walks its device identifiers, so the three can never
// disagree about names, order or optionality.
//
// Decoding follows one rule throughout: the elements that identify what a
// message is about (the connection a request acts on, an event's
// monitorCrossRefID and subject connection, required device identifiers of
// requests) are required and their absence is a *DecodeError; descriptive
// fields the schema requires in responses and events (parties, causes,
// status flags) are accepted when missing and given the value that encodes
// as the schema's "not known" (ExtendedDeviceID and RedirectionDeviceID) or
// as nothing (text). Whatever Decode accepts, Encode can write back, and
// decoding that gives the same value again.

// fcMode says what a fieldCodec does with the fields it is shown.
type fcMode uint8

const (
	encoding fcMode = iota
	decoding
	walking
)

// fieldCodec is handed to a message's codec method. In encoding mode it
// writes each field to w; in decoding mode it reads each field from the
// children of e, recording the first error in *err; in walking mode it calls
// the visitor for each device and connection identifier.
type fieldCodec struct {
	mode fcMode
	w    *writer
	e    *element
	err  *error
	v    *visitor
	path string // walking: the path of the current element, with a trailing "/"
}

// visitor holds the callbacks of WalkDevices and WalkConnections.
type visitor struct {
	device     func(path string, d *DeviceID)
	connection func(path string, c *ConnectionID)
	extensions func(path string, x *Extensions)
}

// decodeMessage runs m's field description against the root element.
func decodeMessage(m Message, root *element) error {
	var err error
	m.codec(&fieldCodec{mode: decoding, e: root, err: &err})
	return err
}

// encodeMessage writes m's fields.
func encodeMessage(m Message, w *writer) {
	m.codec(&fieldCodec{mode: encoding, w: w})
}

// failed reports whether decoding has already failed, so that later fields
// are skipped.
func (c *fieldCodec) failed() bool { return c.mode == decoding && *c.err != nil }

func (c *fieldCodec) fail(err error) {
	if *c.err == nil {
		*c.err = err
	}
}

// sub returns a codec for the child element ch (decoding) or for the child
// named name (walking).
func (c *fieldCodec) sub(ch *element, name string) *fieldCodec {
	s := *c
	s.e = ch
	if c.mode == walking {
		s.path = c.path + name + "/"
	}
	return &s
}

// child returns the named child in decoding mode, or nil after an error.
func (c *fieldCodec) child(name string) *element {
	if c.failed() {
		return nil
	}
	return c.e.child(name)
}

// reqText is a text field that must be present and not empty.
func reqText[T ~string](c *fieldCodec, name string, p *T) {
	switch c.mode {
	case encoding:
		c.w.req(name, string(*p))
	case decoding:
		if c.failed() {
			return
		}
		ch := c.e.child(name)
		if ch == nil {
			c.fail(c.e.missing(name))
			return
		}
		s := ch.text()
		if s == "" {
			c.fail(ch.errorf("empty value"))
			return
		}
		*p = T(s)
	}
}

// optText is a text field written only when it is not empty. Fields the
// schema requires in responses and events use it too, so that a peer that
// leaves them out is still understood.
func optText[T ~string](c *fieldCodec, name string, p *T) {
	switch c.mode {
	case encoding:
		c.w.opt(name, string(*p))
	case decoding:
		if ch := c.child(name); ch != nil {
			*p = T(ch.text())
		}
	}
}

// reqBool is a boolean field that must be present.
func (c *fieldCodec) reqBool(name string, p *bool) {
	switch c.mode {
	case encoding:
		c.w.boolean(name, *p)
	case decoding:
		if c.failed() {
			return
		}
		ch := c.e.child(name)
		if ch == nil {
			c.fail(c.e.missing(name))
			return
		}
		v, err := ch.boolean()
		if err != nil {
			c.fail(err)
			return
		}
		*p = v
	}
}

// boolean is a boolean field the schema requires but Decode does not insist
// on: a missing element reads as false. It is always written.
func (c *fieldCodec) boolean(name string, p *bool) {
	switch c.mode {
	case encoding:
		c.w.boolean(name, *p)
	case decoding:
		if ch := c.child(name); ch != nil {
			v, err := ch.boolean()
			if err != nil {
				c.fail(err)
				return
			}
			*p = v
		}
	}
}

// optBool is an optional boolean field.
func (c *fieldCodec) optBool(name string, p **bool) {
	optional(c, name, p, (*writer).optBool, (*element).optBool)
}

// optInt is an optional integer field.
func (c *fieldCodec) optInt(name string, p **int) {
	optional(c, name, p, (*writer).optInt, (*element).optInt)
}

// optional is an optional scalar field, written and read by the writer's
// and the element's helpers for its type.
func optional[T any](c *fieldCodec, name string, p **T, write func(*writer, string, *T), decode func(*element, string) (*T, error)) {
	switch c.mode {
	case encoding:
		write(c.w, name, *p)
	case decoding:
		read(c, name, p, decode)
	}
}

// read stores in *p what decode reads from the named child, or records its
// error.
func read[T any](c *fieldCodec, name string, p *T, decode func(*element, string) (T, error)) {
	if c.failed() {
		return
	}
	v, err := decode(c.e, name)
	if err != nil {
		c.fail(err)
		return
	}
	*p = v
}

// intOmitZero is an integer field written only when it is not zero; a
// missing element reads as zero.
func (c *fieldCodec) intOmitZero(name string, p *int) {
	switch c.mode {
	case encoding:
		if *p != 0 {
			c.w.text(name, strconv.Itoa(*p))
		}
	case decoding:
		if c.failed() {
			return
		}
		v, err := c.e.optInt(name)
		if err != nil {
			c.fail(err)
			return
		}
		if v != nil {
			*p = *v
		}
	}
}

// device is a required DeviceID field.
func (c *fieldCodec) device(name string, p *DeviceID) {
	switch c.mode {
	case encoding:
		c.w.device(name, *p)
	case decoding:
		read(c, name, p, (*element).reqDevice)
	case walking:
		if c.v.device != nil {
			c.v.device(c.path+name, p)
		}
	}
}

// optDevice is an optional DeviceID field.
func (c *fieldCodec) optDevice(name string, p **DeviceID) {
	optionalOf(c, name, p, (*fieldCodec).device)
}

// connection is a required ConnectionID field.
func (c *fieldCodec) connection(name string, p *ConnectionID) {
	switch c.mode {
	case encoding:
		c.w.connection(name, *p)
	case decoding:
		read(c, name, p, (*element).reqConnection)
	case walking:
		c.walkConnection(name, p)
	}
}

// optConnection is an optional ConnectionID field.
func (c *fieldCodec) optConnection(name string, p **ConnectionID) {
	optionalOf(c, name, p, (*fieldCodec).connection)
}

func (c *fieldCodec) walkConnection(name string, p *ConnectionID) {
	if c.v.connection != nil {
		c.v.connection(c.path+name, p)
	}
	if c.v.device != nil && p.DeviceID.ID != "" {
		c.v.device(c.path+name+"/deviceID", &p.DeviceID)
	}
}

// party is an ExtendedDeviceID field the schema requires. A missing element
// reads as notKnown, which is also how the zero value is written.
func (c *fieldCodec) party(name string, p *ExtendedDeviceID) {
	c.extended(name, "deviceIdentifier", p)
}

// extended is party with the name of the device choice given.
func (c *fieldCodec) extended(name, devName string, p *ExtendedDeviceID) {
	switch c.mode {
	case encoding:
		c.w.extDeviceAs(name, devName, *p)
	case decoding:
		if c.failed() {
			return
		}
		if ch := c.e.child(name); ch != nil {
			*p = decodeExtendedDeviceIDAs(ch, devName)
		} else {
			*p = ExtendedDeviceID{NotKnown: true}
		}
	case walking:
		if c.v.device != nil && p.IsKnown() {
			c.v.device(c.path+name+"/"+devName, &p.Device)
		}
	}
}

// optParty is an optional ExtendedDeviceID field.
func (c *fieldCodec) optParty(name string, p **ExtendedDeviceID) {
	c.optExtended(name, "deviceIdentifier", p)
}

// optExtended is optParty with the name of the device choice given.
func (c *fieldCodec) optExtended(name, devName string, p **ExtendedDeviceID) {
	optionalOf(c, name, p, func(c *fieldCodec, name string, x *ExtendedDeviceID) { c.extended(name, devName, x) })
}

// optionalOf describes an optional field with the description of the
// required one: decoded when its element is present, encoded and walked
// when the pointer is set.
func optionalOf[T any](c *fieldCodec, name string, p **T, required func(*fieldCodec, string, *T)) {
	if c.mode == decoding {
		if c.child(name) != nil {
			v := new(T)
			required(c, name, v)
			if !c.failed() {
				*p = v
			}
		}
		return
	}
	if *p != nil {
		required(c, name, *p)
	}
}

// redirection is a RedirectionDeviceID field the schema requires; a missing
// element reads as notKnown.
func (c *fieldCodec) redirection(name string, p *RedirectionDeviceID) {
	switch c.mode {
	case encoding:
		c.w.redirection(name, *p)
	case decoding:
		if c.failed() {
			return
		}
		if ch := c.e.child(name); ch != nil {
			*p = decodeRedirectionDeviceID(ch)
		} else {
			*p = RedirectionDeviceID{NotKnown: true}
		}
	case walking:
		if c.v.device != nil && p.IsKnown() {
			c.v.device(c.path+name+"/numberDialed", &p.NumberDialed)
		}
	}
}

// raw is an optional element kept as raw XML. Encoding checks that the
// fragment is one well-formed element with the expected local name.
func (c *fieldCodec) raw(name string, p *RawXML) {
	switch c.mode {
	case encoding:
		if *p != "" {
			c.w.rawNamed(name, *p)
		}
	case decoding:
		if ch := c.child(name); ch != nil {
			r, err := ch.rawXML()
			if err != nil {
				c.fail(err)
				return
			}
			*p = r
		}
	}
}

// extensions is the optional extensions element of CSTA messages.
func (c *fieldCodec) extensions(p **Extensions) {
	switch c.mode {
	case encoding:
		c.w.extensions(*p)
	case decoding:
		if c.failed() {
			return
		}
		x, err := c.e.optExtensions()
		if err != nil {
			c.fail(err)
			return
		}
		*p = x
	case walking:
		if c.v.extensions != nil && *p != nil {
			c.v.extensions(c.path+"extensions", *p)
		}
	}
}

// group is an element that is always present and whose children fn
// describes. A missing element decodes as if it were empty.
func (c *fieldCodec) group(name string, fn func(c *fieldCodec)) {
	switch c.mode {
	case encoding:
		c.w.open(name)
		fn(c)
		c.w.close(name)
	case decoding:
		ch := c.child(name)
		if ch == nil {
			return
		}
		fn(c.sub(ch, name))
	case walking:
		fn(c.sub(nil, name))
	}
}

// list is a sequence of elements named item inside an element named name.
// A required list is always written, an optional one only when it has
// items; a missing list decodes as nil.
func list[T any](c *fieldCodec, name, item string, required bool, p *[]T, fn func(*T, *fieldCodec)) {
	switch c.mode {
	case encoding:
		if len(*p) == 0 && !required {
			return
		}
		c.w.open(name)
		for i := range *p {
			c.w.open(item)
			fn(&(*p)[i], c)
			c.w.close(item)
		}
		c.w.close(name)
	case decoding:
		ch := c.child(name)
		if ch == nil {
			return
		}
		var out []T
		for _, t := range ch.Child {
			k, ok := asElement(t)
			if !ok || k.Tag != item {
				continue
			}
			var v T
			fn(&v, c.sub(k, item))
			if c.failed() {
				return
			}
			out = append(out, v)
		}
		*p = out
	case walking:
		s := c.sub(nil, name)
		for i := range *p {
			fn(&(*p)[i], s.sub(nil, item))
		}
	}
}

// value is the text content of the current element, for list items that
// are plain text.
func value[T ~string](p *T, c *fieldCodec) {
	switch c.mode {
	case encoding:
		c.w.escape(string(*p), false)
	case decoding:
		*p = T(c.e.text())
	}
}

// rawList is an optional element whose children are each kept as raw XML,
// such as the free-form extensions of the ECMA-354 session messages.
func (c *fieldCodec) rawList(name string, p *[]RawXML) {
	switch c.mode {
	case encoding:
		if len(*p) == 0 {
			return
		}
		c.w.open(name)
		for _, r := range *p {
			c.w.raw(r)
		}
		c.w.close(name)
	case decoding:
		ch := c.child(name)
		if ch == nil {
			return
		}
		var out []RawXML
		err := ch.children(func(k *element) error {
			r, err := k.rawXML()
			out = append(out, r)
			return err
		})
		if err != nil {
			c.fail(err)
			return
		}
		*p = out
	}
}

// integer is an integer field that is always written; a missing element
// reads as zero.
func (c *fieldCodec) integer(name string, p *int) {
	switch c.mode {
	case encoding:
		c.w.text(name, strconv.Itoa(*p))
	default:
		c.intOmitZero(name, p)
	}
}

// correlator is the optional correlatorData field. It is written as text;
// it is read from text or, as some PBXs and clients write it, from a
// <string> child element (<correlatorData><string>C0FFEE</string>…).
func (c *fieldCodec) correlator(p *string) {
	switch c.mode {
	case encoding:
		c.w.opt("correlatorData", *p)
	case decoding:
		ch := c.child("correlatorData")
		if ch == nil {
			return
		}
		if s := ch.child("string"); s != nil {
			*p = s.text()
			return
		}
		*p = ch.text()
	}
}

package session

import (
	"context"
	"errors"
	"slices"

	"github.com/rcc-go/rcc/csta"
)

// clearCall forwards ClearCall as forward does ClearConnection, once it is
// sure the call involves the session's line appearance: a switching
// function clears a call by its callID alone, whatever device the
// ConnectionID names, so the device check of forward is not enough. A
// callToBeCleared naming another device, or a call the line is not in, is
// refused with privilegeViolation without reaching the CTI side. The call
// is the line's when the session tracks it from its monitor's events, or
// else when a SnapshotDevice of the line lists it; when the CTI side
// cannot answer that snapshot, the request is refused too. A
// callToBeCleared with a device and no callID names the device's own
// call, and goes on as it is.
func (s *Session) clearCall(ctx context.Context, r *csta.ClearCall) (csta.Message, Outcome, error) {
	hdr := *r.MessageHeader()
	id := r.CallToBeCleared
	if id.DeviceID.ID != "" && !s.isOwn(id.DeviceID.ID) || id.DeviceID.ID == "" && id.DynamicID != "" {
		return csta.ErrorResponse(hdr, csta.ErrPrivilegeViolation), OutcomeRefused, nil
	}
	if id.CallID != "" {
		ok, err := s.involves(ctx, id.CallID)
		if err != nil {
			return s.failure(hdr, err)
		}
		if !ok {
			return csta.ErrorResponse(hdr, csta.ErrPrivilegeViolation), OutcomeRefused, nil
		}
	}
	return s.forward(ctx, r)
}

// involves reports whether the session's device is in the call id: a call
// the session tracks is, and otherwise the CTI side's SnapshotDevice of
// the device tells. A CSTA error answering the snapshot means the call
// cannot be shown to be the device's (false); a link failure is returned.
func (s *Session) involves(ctx context.Context, id csta.CallID) (bool, error) {
	s.mu.Lock()
	_, tracked := s.calls[id]
	s.mu.Unlock()
	if tracked {
		return true, nil
	}
	resp, err := s.do(ctx, &csta.SnapshotDevice{SnapshotObject: csta.Device(s.key)})
	if err != nil {
		var ce *csta.Error
		if errors.As(err, &ce) && !errors.Is(err, csta.ErrResourceOutOfService) {
			return false, nil
		}
		return false, err
	}
	snap, ok := resp.(*csta.SnapshotDeviceResponse)
	return ok && slices.ContainsFunc(snap.SnapshotData, func(d csta.SnapshotDeviceResponseInfo) bool {
		return d.ConnectionIdentifier.CallID == id
	}), nil
}

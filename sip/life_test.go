package sip

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l life
		assert.NoError(t, l.Err())
		_, has := l.Deadline()
		assert.False(t, has)
		assert.Nil(t, l.Value("k"))
		done := l.Done()
		select {
		case <-done:
			t.Fatal("done before the end")
		default:
		}

		// Contexts derived from it register through AfterFunc, and leave
		// nothing behind once they are gone.
		ctx, cancel := context.WithCancel(&l)
		tctx, tcancel := context.WithTimeout(&l, time.Hour)
		l.mu.Lock()
		assert.Len(t, l.funcs, 2)
		l.mu.Unlock()
		cancel()
		tcancel()
		l.mu.Lock()
		assert.Nil(t, l.funcs)
		l.mu.Unlock()
		assert.ErrorIs(t, ctx.Err(), context.Canceled)
		assert.ErrorIs(t, tctx.Err(), context.Canceled)

		// A derived context that lives on ends with the dialog.
		live, stop := context.WithTimeout(&l, time.Hour)
		defer stop()
		ran := make(chan struct{})
		stopF := l.AfterFunc(func() { close(ran) })
		removed := l.AfterFunc(func() { t.Error("stopped callback ran") })
		assert.True(t, removed())
		assert.False(t, removed())

		l.end()
		l.end() // again: nothing
		synctest.Wait()
		<-done
		<-ran
		<-live.Done()
		assert.ErrorIs(t, l.Err(), context.Canceled)
		assert.ErrorIs(t, live.Err(), context.Canceled)
		assert.False(t, stopF(), "the callback had run")

		// After the end: Done is closed, AfterFunc runs at once.
		var late life
		late.end()
		<-late.Done()
		ran2 := make(chan struct{})
		assert.False(t, late.AfterFunc(func() { close(ran2) })())
		synctest.Wait()
		<-ran2
		c2, cancel2 := context.WithCancel(&late)
		defer cancel2()
		require.ErrorIs(t, c2.Err(), context.Canceled, "a context derived after the end is done at once")
	})
}

package session

import "sync"

// workQueue runs jobs on at most max goroutines, started when jobs arrive
// and ended when the queue is empty, so an idle manager has no goroutine.
type workQueue struct {
	max int

	mu      sync.Mutex
	jobs    []func()
	workers int
	idleCh  chan struct{} // closed when the last worker ends; nil while none waits
}

func newWorkQueue(max int) *workQueue { return &workQueue{max: max} }

// push queues a job.
func (q *workQueue) push(job func()) {
	q.mu.Lock()
	q.jobs = append(q.jobs, job)
	start := q.workers < q.max
	if start {
		q.workers++
	}
	q.mu.Unlock()
	if start {
		go q.work()
	}
}

// work runs jobs until the queue is empty.
func (q *workQueue) work() {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.workers--
			if q.workers == 0 && q.idleCh != nil {
				close(q.idleCh)
				q.idleCh = nil
			}
			q.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs[0] = nil
		q.jobs = q.jobs[1:]
		if len(q.jobs) == 0 {
			q.jobs = nil // give a burst's memory back
		}
		q.mu.Unlock()
		job()
	}
}

// idle returns a channel that is closed once no job is queued or running.
func (q *workQueue) idle() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.workers == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if q.idleCh == nil {
		q.idleCh = make(chan struct{})
	}
	return q.idleCh
}

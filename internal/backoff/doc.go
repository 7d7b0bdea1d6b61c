// Package backoff computes capped exponential reconnect delays with jitter.
package backoff

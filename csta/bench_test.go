package csta

import (
	"os"
	"testing"
	"time"

	"github.com/beevik/etree"
)

// benchSamples are the documents the codec benchmarks use.
var benchSamples = []struct{ name, file string }{
	{"MakeCall", "testdata/MakeCall.xml"},
	{"DeliveredEvent", "testdata/DeliveredEvent.xml"},
	{"GetCSTAFeaturesResponse", "testdata/GetCSTAFeaturesResponse.xml"},
	{"SnapshotDeviceResponse", "testdata/SnapshotDeviceResponse.xml"},
}

func benchData(b *testing.B, file string) []byte {
	b.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkEtreeParse parses each sample with etree alone: the baseline
// Decode is measured against.
func BenchmarkEtreeParse(b *testing.B) {
	for _, s := range benchSamples {
		data := benchData(b, s.file)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, s := range benchSamples {
		data := benchData(b, s.file)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, s := range benchSamples {
		m, err := Decode(benchData(b, s.file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeVsEtree alternates an etree parse and a Decode of the same
// document in every iteration, so that both see the same machine load, and
// reports their times and ratio (decode-ns/etree-ns; the target is at most
// 1.5).
func BenchmarkDecodeVsEtree(b *testing.B) {
	for _, s := range benchSamples {
		data := benchData(b, s.file)
		b.Run(s.name, func(b *testing.B) {
			var parse, decode time.Duration
			for b.Loop() {
				t0 := time.Now()
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(data); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
				parse += t1.Sub(t0)
				decode += time.Since(t1)
			}
			n := float64(b.N)
			b.ReportMetric(float64(parse.Nanoseconds())/n, "etree-ns/op")
			b.ReportMetric(float64(decode.Nanoseconds())/n, "decode-ns/op")
			b.ReportMetric(float64(decode)/float64(parse), "ratio")
		})
	}
}

package pipeline

import (
	"time"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// The run's manifest (runfolder.Manifest) is filled by the stages; this
// file times them and writes it.

// stageTimer records stage timings in order.
type stageTimer struct {
	stages   []runfolder.StageTiming
	start    time.Time
	startCPU float64
	name     string
	log      func(format string, args ...any)
}

func (t *stageTimer) begin(name string) {
	t.end()
	t.name, t.start = name, time.Now()
	t.startCPU, _ = processUsage()
}

func (t *stageTimer) end() {
	if t.name == "" {
		return
	}
	cpu, rss := processUsage()
	s := runfolder.StageTiming{Name: t.name, Seconds: time.Since(t.start).Seconds(), CPUSeconds: cpu - t.startCPU, PeakRSSBytes: rss}
	t.stages = append(t.stages, s)
	if t.log != nil {
		t.log("stage %-14s %8.2fs wall %8.2fs CPU  peak RSS %6d MiB", s.Name, s.Seconds, s.CPUSeconds, s.PeakRSSBytes>>20)
	}
	t.name = ""
}

func writeManifest(path string, m *runfolder.Manifest) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return dataio.WriteFileAtomic(path, data)
}

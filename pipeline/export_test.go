package pipeline

import "github.com/dedup-vn/dedup/progress"

func progressQuiet() progress.Options { return progress.Options{Quiet: true} }

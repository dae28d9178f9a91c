package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
)

// inputFile is one table file of one source.
type inputFile struct {
	source int // index into Config.Sources
	path   string
}

// resolveInputs lists the input files. Command-line inputs replace the
// config's paths: "NAME=PATH" assigns PATH to source NAME; a plain PATH goes
// to the first source (in link modes every input must name its source).
// Files are listed in a stable order (source, then path) so the input order
// on the command line does not change the output.
func resolveInputs(cfg *config.Config, args []string) ([]inputFile, error) {
	paths := make([][]string, len(cfg.Sources))
	if len(args) > 0 {
		for _, a := range args {
			src := 0
			if name, path, ok := strings.Cut(a, "="); ok && !strings.ContainsAny(name, `/\.`) {
				src = -1
				for i, s := range cfg.Sources {
					if s.Name == name {
						src = i
					}
				}
				if src < 0 {
					return nil, fmt.Errorf("input %q: no source named %q in the config", a, name)
				}
				a = path
			} else if cfg.Mode != config.ModeDedupe {
				return nil, fmt.Errorf("input %q: in %s mode each input must name its source (NAME=PATH)", a, cfg.Mode)
			}
			paths[src] = append(paths[src], a)
		}
	} else {
		for i, s := range cfg.Sources {
			paths[i] = s.Paths
		}
	}
	var files []inputFile
	for i, ps := range paths {
		if len(ps) == 0 {
			if cfg.Mode == config.ModeDedupe && i > 0 {
				continue
			}
			return nil, fmt.Errorf("source %q has no input files (give INPUT arguments or sources[%d].paths)", cfg.Sources[i].Name, i)
		}
		list, err := dataio.ListInputs(ps)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			files = append(files, inputFile{source: i, path: filepath.Clean(p)})
		}
	}
	return files, nil
}

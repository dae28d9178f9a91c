package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/state"
)

// A register read from a nightly run's state folder (`dedup verify
// --register STATE`): the records of its current generation with their
// person IDs, their input cells read back from the state's raw segments
// (the inputs are not read), normalized here as raw extracts are. The
// state keeps the cells each source's column mapping reads
// (pipeline.SourceColumns), so the run's config (the job config given
// with --config, config.Default() otherwise) says which cell is which:
// its digest must be the state's. A role (name, date of birth, ID,
// phone, gender, province code) is the column Config.Columns names when
// the source reads one so named, else the columns of the config's first
// field of the role's kind. Without a province code the province of the
// record is read from its address fields (vn_address), the first that
// names one. The records come grouped
// by person (state.ReadRegister), so that a person's rows are together
// in the register, and a spilled register's partitions keep them
// whole (partition.go).

// stateFolder returns the register's state folder when it is one.
func stateFolder(files []string) (string, bool) {
	if len(files) == 1 && state.IsState(files[0]) {
		return files[0], true
	}
	return "", false
}

// stateRoles are the positions, in a source's cells, of the columns of
// each role of a register row (nil: none); several columns are joined.
type stateRoles struct {
	id                                     int
	name, dob, nid, phone, gender, pv, adr []int
}

// stateColumns maps the roles to the cells of each source of the run's
// config.
func stateColumns(rc *config.Config, cols ColumnNames) (map[string]stateRoles, error) {
	out := map[string]stateRoles{}
	for src := range rc.Sources {
		cells := pipeline.SourceColumns(rc, src)
		_, fields := rc.SourceColumns(src)
		role := func(name string, kind normalize.Kind) []int {
			if i := slices.Index(cells, name); i > 0 {
				return []int{i}
			}
			for fi, f := range rc.Fields {
				if f.Kind != kind {
					continue
				}
				var idx []int
				for _, c := range fields[fi] {
					idx = append(idx, slices.Index(cells, c))
				}
				return idx
			}
			return nil
		}
		r := stateRoles{id: 0, name: role(cols.Name, normalize.KindPersonName), dob: role(cols.DOB, normalize.KindDate),
			nid: role(cols.NationalID, normalize.KindNationalID), phone: role(cols.Phone, normalize.KindPhone),
			gender: role(cols.Gender, normalize.KindGender)}
		if i := slices.Index(cells, cols.Province); i > 0 {
			r.pv = []int{i}
		} else {
			for fi, f := range rc.Fields {
				if f.Kind != normalize.KindVNAddress {
					continue
				}
				for _, c := range fields[fi] {
					r.adr = append(r.adr, slices.Index(cells, c))
				}
			}
		}
		if r.name == nil || r.dob == nil || r.nid == nil {
			return nil, fmt.Errorf("%w: source %s of the state's config reads no %s, %s or %s column (nor a field of kind person_name, date or national_id)",
				dataio.ErrMissingColumn, rc.Sources[src].Name, cols.Name, cols.DOB, cols.NationalID)
		}
		out[rc.Sources[src].Name] = r
	}
	return out, nil
}

// stateSchema is the batch readStateRegister builds: the regItem
// columns, every optional one present (null where a source lacks it).
var stateSchema = func() *arrow.Schema {
	var f []arrow.Field
	for _, n := range []string{"id", "name", "dob", "nid", "phone", "gender", "province", "person", "address"} {
		f = append(f, arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	return arrow.NewSchema(f, nil)
}()

// readStateRegister is readRegister for a state folder.
func readStateRegister(ctx context.Context, dir string, cfg Config, opts Options, m *Manifest, start func(kind string), consume func(*regChunk) error) error {
	rc := config.Default()
	if cfg.runPath != "" {
		var err error
		if rc, err = config.Load(cfg.runPath); err != nil {
			return err
		}
	}
	roles, err := stateColumns(rc, cfg.Columns)
	if err != nil {
		return fmt.Errorf("register %s: %w", dir, err)
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = dataio.DefaultBatchSize
	}
	oneSource := len(rc.Sources) == 1
	produce := func(emit func(regItem) bool) error {
		b := array.NewRecordBuilder(memory.DefaultAllocator, stateSchema)
		defer b.Release()
		str := func(k int) *array.StringBuilder { return b.Field(k).(*array.StringBuilder) }
		flush := func() bool {
			rec := b.NewRecordBatch()
			return emit(regItem{rec: rec, phone: 4, gender: 5, pv: 6, pv25: -1, prec: -1, person: 7, addr: 8})
		}
		var sb strings.Builder
		stopped := false
		err := state.ReadRegister(dir, rc.Digest(), func(info state.RegisterInfo) error {
			start(RegisterState)
			m.Register.Kind, m.Register.Files, m.Register.Night = RegisterState, []string{dir}, info.Night
			return nil
		}, func(r *state.RegisterRecord) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ro, ok := roles[r.Key.Source]
			if !ok {
				return fmt.Errorf("register %s: a record of source %q, which the config has not: %w", dir, r.Key.Source, state.ErrConfigMismatch)
			}
			id := r.Key.ID
			if !oneSource {
				id = r.Key.Source + ":" + id
			}
			str(0).Append(id)
			for k, idx := range [...][]int{ro.name, ro.dob, ro.nid, ro.phone, ro.gender, ro.pv} {
				if !joinCells(&sb, r, idx, " ") {
					str(k + 1).AppendNull()
					continue
				}
				str(k + 1).Append(sb.String())
			}
			str(7).Append(r.Person)
			if joinCells(&sb, r, ro.adr, "\n") {
				str(8).Append(sb.String())
			} else {
				str(8).AppendNull()
			}
			if b.Field(0).Len() >= batch {
				if !flush() {
					stopped = true
					return context.Canceled
				}
			}
			return nil
		})
		if stopped {
			return nil
		}
		if err != nil {
			return err
		}
		if b.Field(0).Len() > 0 {
			flush()
		}
		return nil
	}
	return normalizeRegister(ctx, cfg, opts, produce, consume)
}

// joinCells writes the record's cells at idx, the non-null ones joined
// by sep, into sb; false when there is none.
func joinCells(sb *strings.Builder, r *state.RegisterRecord, idx []int, sep string) bool {
	sb.Reset()
	any := false
	for _, i := range idx {
		if i < 0 || i >= len(r.Cells) || !r.Valid[i] {
			continue
		}
		if any {
			sb.WriteString(sep)
		}
		sb.WriteString(r.Cells[i])
		any = true
	}
	return any
}

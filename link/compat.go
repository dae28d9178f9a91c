package link

import (
	"fmt"
	"slices"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/pipeline"
)

// checkCompatible says whether a link config keys and normalizes the
// register as the state's nights did, so that the state's blocking keys
// are this link's and the register's stored cells read under the link
// config's register source give the nights' records: the same fields
// (name, kind, date order) and reference year, blocking rules among the
// nights' (by their keys), and the same shape of input cells (which cells feed which field) for every
// source of the nights. The comparisons, model, threshold and the sector
// sources are the link's own.
func checkCompatible(night, cfg *config.Config, regSrc int) error {
	mismatch := func(what string, args ...any) error {
		return fmt.Errorf("the config does not key the register as the state's nights did: %s; "+
			"a link config keeps the nights' fields and blocking rules (see `dedup config bhxh`)", fmt.Sprintf(what, args...))
	}
	if len(night.Fields) != len(cfg.Fields) {
		return mismatch("it has %d fields, the nights had %d", len(cfg.Fields), len(night.Fields))
	}
	for i := range cfg.Fields {
		a, b := &night.Fields[i], &cfg.Fields[i]
		if a.Name != b.Name || a.Kind != b.Kind {
			return mismatch("fields[%d] is %s (%s), the nights' was %s (%s)", i, b.Name, b.Kind, a.Name, a.Kind)
		}
	}
	if night.ReferenceYear != cfg.ReferenceYear {
		return mismatch("reference_year %d, the nights' %d", cfg.ReferenceYear, night.ReferenceYear)
	}
	for k, rule := range cfg.Blocking.Rules {
		if nightRule(night, rule) < 0 {
			return fmt.Errorf("blocking rule %s (keys %v) is none of the nights' rules or link rules, whose keys the state keeps: "+
				"block on those (keys equal), or add the rule to the nights' config's blocking.link_rules (see `dedup config default`)", cfg.Blocking.Rules[k].Name, rule.Keys)
		}
	}
	want := cellShape(cfg, regSrc)
	for s := range night.Sources {
		if got := cellShape(night, s); !slices.Equal(got, want) {
			return mismatch("source %s of the nights reads %v (cell positions and date order per field), the config's register source %s reads %v",
				night.Sources[s].Name, got, cfg.Sources[regSrc].Name, want)
		}
	}
	return nil
}

// nightRule is the index in the nights' Blocking.AllRules (rules, then
// link rules) of the rule with rule's keys, or -1.
func nightRule(night *config.Config, rule config.BlockingRule) int {
	return slices.IndexFunc(night.Blocking.AllRules(), func(r config.BlockingRule) bool { return slices.Equal(r.Keys, rule.Keys) })
}

// cellShape describes how source src of cfg turns a row's cells into
// fields: the number of cells, then per field the positions of its cells
// in the source's column projection and its date order. Two sources of the
// same shape normalize the same cells to the same record.
func cellShape(cfg *config.Config, src int) []string {
	proj := pipeline.SourceColumns(cfg, src)
	_, fields := cfg.SourceColumns(src)
	shape := []string{fmt.Sprint(len(proj), " cells")}
	for i, cols := range fields {
		pos := make([]int, len(cols))
		for j, c := range cols {
			pos[j] = slices.Index(proj, c)
		}
		shape = append(shape, fmt.Sprintf("%s:%v:%s", cfg.Fields[i].Name, pos, cfg.SourceRowField(src, i, nil).DateOrder))
	}
	return shape
}

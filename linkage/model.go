package linkage

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// ModelVersion is the version of the model file format.
const ModelVersion = 1

// probFloor bounds m and u away from 0 in the weights, so that a level
// never seen in training gives a large but finite weight.
const probFloor = 1e-9

// DefaultTFMin is the default floor on a term-frequency u.
const DefaultTFMin = 1e-6

// Model is a Fellegi-Sunter model: per comparison and level the
// probabilities m (of the level among matches) and u (among non-matches),
// and the prior λ (the probability that two random records match). It is
// saved as JSON; Weight and Probability are safe for concurrent use once
// the model is trained or loaded.
type Model struct {
	Version int `json:"version"`
	// Lambda is the prior: the probability that two random records match,
	// found by Train's fixed point over the blocked pairs (see Train).
	Lambda float64 `json:"lambda"`
	// PriorWeight is log2(Lambda / (1 - Lambda)).
	PriorWeight float64 `json:"prior_weight"`
	// TFMin floors the u of a term-frequency adjusted level.
	TFMin       float64           `json:"tf_min"`
	Comparisons []ModelComparison `json:"comparisons"`
	Training    Training          `json:"training"`
	// TermFrequencies names a file beside the model (MarshalFreqTables)
	// holding frozen term-frequency tables: a run that reuses the model
	// weighs agreements by them instead of counting its own records, so
	// that a nightly register scores tonight's pairs as it scored last
	// night's. Empty: every run counts its own.
	TermFrequencies string `json:"term_frequencies,omitempty"`
	// Freqs are the frozen tables, by comparison name (nil: none).
	Freqs map[string]*FreqTable `json:"-"`

	weights [][]float64 // by comparison, by level: log2(m/u)
	tfLevel []int8      // by comparison: lowest tf level
}

// ModelComparison is one comparison of a model.
type ModelComparison struct {
	Name          string    `json:"name"`
	Kind          string    `json:"kind"`
	Bands         []float64 `json:"bands,omitempty"`
	TermFrequency bool      `json:"term_frequency,omitempty"`
	// Levels are listed level 0 ("else") first; null is not listed: it
	// has no weight.
	Levels []ModelLevel `json:"levels"`
}

// ModelLevel holds the parameters of one level.
type ModelLevel struct {
	Level  int8    `json:"level"`
	Label  string  `json:"label"`
	M      float64 `json:"m"`
	U      float64 `json:"u"`
	Weight float64 `json:"weight"` // log2(m/u), for reading; recomputed on load
	TF     bool    `json:"tf,omitempty"`
}

// Training records how the model was trained. TrainEM fills the EM
// fields for its one histogram; Train records the seed, the random pairs
// and the EM iterations summed over the training rules, and leaves the
// other EM fields zero (each rule's EM runs on a clone).
type Training struct {
	Seed            uint64  `json:"seed"`
	URecords        int     `json:"u_records"`           // records sampled from
	UPairs          int64   `json:"u_pairs"`             // random pairs behind u
	EMPairs         int64   `json:"em_pairs"`            // blocked pairs behind m
	DistinctVectors int     `json:"distinct_vectors"`    // distinct comparison vectors in EM
	EMIterations    int     `json:"em_iterations"`       // iterations run
	EMConverged     bool    `json:"em_converged"`        // change fell below the tolerance
	EMMaxChange     float64 `json:"em_max_change"`       // largest parameter change in the last iteration
	EMTolerance     float64 `json:"em_tolerance"`        // convergence tolerance
	UFromEM         bool    `json:"u_from_em,omitempty"` // u re-estimated by EM rather than fixed
	// MUntrained says the training rules found no pairs (a register
	// without duplicates): m kept its starting values (NewModel) and only
	// u and λ were estimated.
	MUntrained bool `json:"m_untrained,omitempty"`
}

// NewModel returns an untrained model for c: u uniform, m rising with the
// level (the starting point of EM), λ = 0.1.
func NewModel(c *Compiled) *Model {
	m := &Model{Version: ModelVersion, Lambda: 0.1, TFMin: DefaultTFMin}
	for k := range c.Len() {
		s := c.Spec(k)
		mc := ModelComparison{Name: s.Name, Kind: s.Kind.String(), Bands: s.Bands, TermFrequency: s.TermFrequency}
		labels := c.Labels(k)
		sum := 0.0
		for l := range labels {
			sum += math.Exp2(float64(l))
		}
		for l, lab := range labels {
			mc.Levels = append(mc.Levels, ModelLevel{
				Level: int8(l), Label: lab,
				M:  math.Exp2(float64(l)) / sum,
				U:  1 / float64(len(labels)),
				TF: c.TFLevel(k, int8(l)),
			})
		}
		m.Comparisons = append(m.Comparisons, mc)
	}
	m.prepare()
	return m
}

// prepare derives the weight tables from m, u and λ.
func (m *Model) prepare() {
	m.PriorWeight = math.Log2(m.Lambda / (1 - m.Lambda))
	m.weights = make([][]float64, len(m.Comparisons))
	m.tfLevel = make([]int8, len(m.Comparisons))
	for k := range m.Comparisons {
		mc := &m.Comparisons[k]
		w := make([]float64, len(mc.Levels))
		m.tfLevel[k] = 127
		for l := range mc.Levels {
			lv := &mc.Levels[l]
			lv.Weight = math.Log2(max(lv.M, probFloor) / max(lv.U, probFloor))
			w[l] = lv.Weight
			if lv.TF && m.tfLevel[k] == 127 {
				m.tfLevel[k] = int8(l)
			}
		}
		m.weights[k] = w
	}
}

// Weight returns the match weight of a comparison vector: the prior weight
// plus, per comparison, log2(m/u) of its level; null (or out-of-range)
// levels add nothing. When tf is not nil and tf[k] > 0 on a level with the
// term-frequency adjustment, u is replaced by max(tf[k], TFMin): agreeing
// on a rare name is stronger evidence than agreeing on Nguyễn Văn Hùng.
func (m *Model) Weight(levels []int8, tf []float32) float64 {
	w := m.PriorWeight
	for k, l := range levels {
		if k >= len(m.weights) {
			break
		}
		wk := m.weights[k]
		if l < 0 || int(l) >= len(wk) {
			continue
		}
		if tf != nil && l >= m.tfLevel[k] && tf[k] > 0 {
			w += math.Log2(max(m.Comparisons[k].Levels[l].M, probFloor) / max(float64(tf[k]), m.TFMin))
			continue
		}
		w += wk[l]
	}
	return w
}

// LevelWeight returns the weight of level l of comparison k without tf
// adjustment, 0 for null.
func (m *Model) LevelWeight(k int, l int8) float64 {
	if l < 0 || int(l) >= len(m.weights[k]) {
		return 0
	}
	return m.weights[k][l]
}

// Probability converts a match weight to a match probability:
// 2^w / (1 + 2^w).
func Probability(weight float64) float64 {
	return 1 / (1 + math.Exp2(-weight))
}

// Check reports whether m fits the comparisons c (names, kinds and level
// counts), as when a model is reused with --model.
func (m *Model) Check(c *Compiled) error {
	if len(m.Comparisons) != c.Len() {
		return fmt.Errorf("linkage: model has %d comparisons; config has %d", len(m.Comparisons), c.Len())
	}
	for k, mc := range m.Comparisons {
		s := c.Spec(k)
		if mc.Name != s.Name || mc.Kind != s.Kind.String() || len(mc.Levels) != c.Levels(k) {
			return fmt.Errorf("linkage: model comparison %d is %s (%s, %d levels); config has %s (%s, %d levels)",
				k, mc.Name, mc.Kind, len(mc.Levels), s.Name, s.Kind, c.Levels(k))
		}
	}
	return nil
}

// MarshalModel encodes m as indented JSON; the bytes depend only on m.
func (m *Model) MarshalModel() ([]byte, error) {
	m.prepare()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("linkage: cannot encode model: %w", err)
	}
	return append(b, '\n'), nil
}

// ErrModel marks a model file that cannot be used.
var ErrModel = errors.New("linkage: bad model")

// UnmarshalModel decodes and validates a model encoded by MarshalModel.
func UnmarshalModel(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	m.prepare()
	return &m, nil
}

// validate reports, as an ErrModel, parameters a model cannot have.
func (m *Model) validate() error {
	if m.Version != ModelVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrModel, m.Version, ModelVersion)
	}
	if !(m.Lambda > 0 && m.Lambda < 1) {
		return fmt.Errorf("%w: lambda %v not in (0, 1)", ErrModel, m.Lambda)
	}
	if !(m.TFMin > 0 && m.TFMin < 1) {
		return fmt.Errorf("%w: tf_min %v not in (0, 1)", ErrModel, m.TFMin)
	}
	for k, mc := range m.Comparisons {
		if len(mc.Levels) == 0 || len(mc.Levels) > 100 {
			return fmt.Errorf("%w: comparison %d (%s) has %d levels", ErrModel, k, mc.Name, len(mc.Levels))
		}
		for l, lv := range mc.Levels {
			if int(lv.Level) != l {
				return fmt.Errorf("%w: comparison %s: level %d listed at position %d", ErrModel, mc.Name, lv.Level, l)
			}
			if !(lv.M >= 0 && lv.M <= 1 && lv.U >= 0 && lv.U <= 1) {
				return fmt.Errorf("%w: comparison %s level %d: m or u not in [0, 1]", ErrModel, mc.Name, l)
			}
		}
	}
	return nil
}

// Clone returns a deep copy of m, its weights derived afresh.
func (m *Model) Clone() *Model {
	c := *m
	c.Comparisons = make([]ModelComparison, len(m.Comparisons))
	for k, mc := range m.Comparisons {
		mc.Bands = slices.Clone(mc.Bands)
		mc.Levels = slices.Clone(mc.Levels)
		c.Comparisons[k] = mc
	}
	c.prepare()
	return &c
}

// LoadModel reads a model file.
func LoadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("linkage: cannot read model: %w", err)
	}
	m, err := UnmarshalModel(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.TermFrequencies != "" {
		name := m.TermFrequencies
		if filepath.Base(name) != name || name == "." || name == ".." {
			return nil, fmt.Errorf("%s: %w: term_frequencies must name a file beside the model", path, ErrModel)
		}
		fp := filepath.Join(filepath.Dir(path), name)
		raw, err := os.ReadFile(fp)
		if err != nil {
			return nil, fmt.Errorf("linkage: cannot read the model's term frequencies: %w", err)
		}
		if m.Freqs, err = UnmarshalFreqTables(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", fp, err)
		}
		for _, c := range m.Comparisons {
			if c.TermFrequency && m.Freqs[c.Name] == nil {
				return nil, fmt.Errorf("%s: %w: no table for comparison %s", fp, ErrFreqTables, c.Name)
			}
		}
	}
	return m, nil
}

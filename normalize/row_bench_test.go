package normalize

import "testing"

// BenchmarkRowCells is the run's per-row work in normalize: a row's cells
// (name, date, gender, ID, phone, two addresses) through
// RowNormalizer.Cells, the invisible-character pass included.
func BenchmarkRowCells(b *testing.B) {
	fields := []Field{{Kind: KindPersonName, Cells: []int{0}}, {Kind: KindDate, Cells: []int{1}}, {Kind: KindGender, Cells: []int{2}},
		{Kind: KindNationalID, Cells: []int{3}}, {Kind: KindPhone, Cells: []int{4}}, {Kind: KindVNAddress, Cells: []int{5}},
		{Kind: KindVNAddress, Cells: []int{6}}}
	r := NewRowNormalizer(fields, Options{RefYear: 2025})
	rows := make([][][]byte, len(benchRecords))
	for i, in := range benchRecords {
		rows[i] = [][]byte{in.FullName, in.DOB, in.Gender, in.NationalID, in.Phone, benchRowAddresses[i][0], benchRowAddresses[i][1]}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Cells(rows[i%len(rows)])
		i++
	}
}

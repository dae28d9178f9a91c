package normalize_test

import (
	"fmt"
	"strings"

	"github.com/dedup-vn/dedup/normalize"
)

// A row normalizer reads each row's fields from its cells: here a name,
// a month-first date and an address typed in VNI, the legacy encoding
// that also decides how the name is read (VNI "Hoà" is Hồ).
func ExampleRowNormalizer() {
	fields := []normalize.Field{
		{Kind: normalize.KindPersonName, Cells: []int{0}},
		{Kind: normalize.KindDate, Cells: []int{1}, DateOrder: normalize.MonthFirst},
		{Kind: normalize.KindVNAddress, Cells: []int{2}},
	}
	rn := normalize.NewRowNormalizer(fields, normalize.Options{RefYear: 2025})
	row := rn.Cells([][]byte{
		[]byte(" Hoà Trung Bình "),
		[]byte("04/05/1990"),
		[]byte("Phöôøng Beán Ngheù, Quaän 1, TP. Hoà Chí Minh"),
	})
	name, dob, addr := &row.Values[0], &row.Values[1], &row.Values[2]
	fmt.Println(string(name.Name.Canonical), row.Encoding)
	fmt.Println(dob.Date)
	// Every kind lists its columns in one table; a run stores these.
	var codes []string
	for _, c := range normalize.KindVNAddress.Columns() {
		if c.Stored && c.Type == normalize.ColumnInt32 {
			codes = append(codes, fmt.Sprint(c.Role, "=", c.Int(addr)))
		}
	}
	fmt.Println(strings.Join(codes, " "))
	fmt.Println(row.Flags)
	// Output:
	// Hồ Trung Bình vni
	// 1990-04-05
	// ward_2025=26740 district_old=760 province_2025=79 ward_old=26740 province_old=79
	// text_legacy_encoding|name_legacy_encoding
}

package dataio

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

const benchRows = 100_000

var benchCols = []string{"record_id", "full_name", "date_of_birth", "gender", "national_id",
	"phone", "permanent_address", "current_address", "province_code", "updated_at"}

// benchBatches returns population-like string batches: 100k rows × 10
// columns in DefaultBatchSize batches, from a fixed xorshift seed.
func benchBatches(b *testing.B) []arrow.RecordBatch {
	b.Helper()
	surnames := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"}
	middles := []string{"Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh"}
	givens := []string{"An", "Bình", "Châu", "Dũng", "Hương", "Lan", "Nam", "Phúc", "Quân", "Tú", "Yến"}
	wards := []string{"Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "Xã Tân Lập, Huyện Đan Phượng, Hà Nội", "Phường 3, TP. Đà Lạt, Lâm Đồng"}
	x := uint64(0x9E3779B97F4A7C15)
	rnd := func(n int) int {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % uint64(n))
	}
	sb := NewStringBatchBuilder(StringSchema(benchCols...))
	defer sb.Release()
	var out []arrow.RecordBatch
	for i := 0; i < benchRows; i++ {
		c := sb.Column
		c(0).Append("P01-" + strconv.Itoa(10000000+i))
		c(1).Append(surnames[rnd(len(surnames))] + " " + middles[rnd(len(middles))] + " " + givens[rnd(len(givens))])
		c(2).Append(strconv.Itoa(1+rnd(28)) + "/" + strconv.Itoa(1+rnd(12)) + "/" + strconv.Itoa(1940+rnd(70)))
		c(3).Append([]string{"Nam", "Nữ"}[rnd(2)])
		c(4).Append("0" + strconv.Itoa(79000000000+rnd(999999999)))
		c(5).Append("09" + strconv.Itoa(10000000+rnd(89999999)))
		c(6).Append(strconv.Itoa(1+rnd(300)) + " Đường số " + strconv.Itoa(1+rnd(50)) + ", " + wards[rnd(len(wards))])
		c(7).Append(strconv.Itoa(1+rnd(300)) + " Lê Lợi, " + wards[rnd(len(wards))])
		c(8).Append(strconv.Itoa(1 + rnd(96)))
		c(9).Append("2024-0" + strconv.Itoa(1+rnd(9)) + "-1" + strconv.Itoa(rnd(10)) + "T08:00:00Z")
		if sb.Len() == DefaultBatchSize {
			out = append(out, sb.NewBatch())
		}
	}
	if sb.Len() > 0 {
		out = append(out, sb.NewBatch())
	}
	return out
}

func batchBytes(recs []arrow.RecordBatch) int64 {
	var n int64
	for _, r := range recs {
		for _, c := range r.Columns() {
			n += int64(len(c.Data().Buffers()[2].Bytes()))
		}
	}
	return n
}

func writeBench(b *testing.B, path string, recs []arrow.RecordBatch) {
	w, err := Create(path, recs[0].Schema())
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
}

func benchWrite(b *testing.B, ext string) {
	recs := benchBatches(b)
	dir := b.TempDir()
	b.SetBytes(batchBytes(recs))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		writeBench(b, filepath.Join(dir, "w."+ext), recs)
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchRead(b *testing.B, ext string, opt ReadOptions) {
	recs := benchBatches(b)
	path := filepath.Join(b.TempDir(), "r."+ext)
	writeBench(b, path, recs)
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/benchRows, "filebytes/row")
	}
	b.SetBytes(batchBytes(recs))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, opt)
		if err != nil {
			b.Fatal(err)
		}
		n := int64(0)
		for r.Next() {
			n += r.Batch().NumRows()
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParquetWrite: zstd Parquet write of 100k rows × 10 string columns.
func BenchmarkParquetWrite(b *testing.B) { benchWrite(b, "parquet") }

// BenchmarkParquetRead: streamed read with cell checks of the same file.
func BenchmarkParquetRead(b *testing.B) { benchRead(b, "parquet", ReadOptions{}) }

// BenchmarkParquetReadProjected reads 3 of the 10 columns.
func BenchmarkParquetReadProjected(b *testing.B) {
	benchRead(b, "parquet", ReadOptions{Columns: []string{"full_name", "date_of_birth", "national_id"}})
}

// BenchmarkCSVRead: CSV read of the same rows.
func BenchmarkCSVRead(b *testing.B) { benchRead(b, "csv", ReadOptions{}) }

// BenchmarkCSVWrite: CSV write of the same rows.
func BenchmarkCSVWrite(b *testing.B) { benchWrite(b, "csv") }

// BenchmarkArrowRead: Arrow IPC (zstd) read of the same rows.
func BenchmarkArrowRead(b *testing.B) { benchRead(b, "arrow", ReadOptions{}) }

// BenchmarkParquetReadRaw is the floor under BenchmarkParquetRead: arrow-go
// alone, without projection, checks or rejects.
func BenchmarkParquetReadRaw(b *testing.B) {
	recs := benchBatches(b)
	path := filepath.Join(b.TempDir(), "r.parquet")
	writeBench(b, path, recs)
	b.SetBytes(batchBytes(recs))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			b.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: DefaultBatchSize}, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := int64(0)
		for rr.Next() {
			n += rr.RecordBatch().NumRows()
		}
		rr.Release()
		pf.Close()
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

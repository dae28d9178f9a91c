// Command runlinks turns a `dedup run` in link mode (a register and one
// sector table) into a links file (runfolder.FileLinks), so that `dedup
// eval --links` measures what today's engine gives before `dedup link`
// exists. A sector row's cluster names the register records it joined;
// the register truth names their persons: none is not_found, one is
// linked (person_id the generator's person), several are ambiguous.
// match_probability is 0: a cluster has no single pair to take it from.
//
//	go run ./benchmarks/runlinks --run OUT --source bhxh \
//	    --register-truth GEN/truth/population.parquet --out links.csv
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

func main() {
	run := flag.String("run", "", "run folder of a link-mode run")
	source := flag.String("source", "", "the sector source's name in the run's config")
	regTruth := flag.String("register-truth", "", "truth of the register (record_id, person_id)")
	out := flag.String("out", "", "links file to write (.csv)")
	flag.Parse()
	if *run == "" || *source == "" || *regTruth == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := convert(*run+"/"+runfolder.FileClusters, *source, *regTruth, *out); err != nil {
		fmt.Fprintln(os.Stderr, "runlinks:", err)
		os.Exit(1)
	}
}

func convert(clusters, source, regTruth, out string) error {
	person := map[string]string{}
	if err := dataio.EachRow(regTruth, []string{"record_id", "person_id"}, func(c []string) error { person[strings.Clone(c[0])] = strings.Clone(c[1]); return nil }); err != nil {
		return err
	}
	type row struct{ id, cluster string }
	var sector []row
	persons := map[string][]string{} // cluster -> register persons
	err := dataio.EachRow(clusters, []string{runfolder.ColRecordID, runfolder.ColSource, runfolder.ColClusterID}, func(c []string) error {
		if c[1] == source {
			sector = append(sector, row{strings.Clone(c[0]), strings.Clone(c[2])})
			return nil
		}
		p, ok := person[c[0]]
		if !ok {
			return nil
		}
		if ps := persons[c[2]]; !slices.Contains(ps, p) {
			persons[strings.Clone(c[2])] = append(ps, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{runfolder.ColLinkRecordID, runfolder.ColLinkVerdict, runfolder.ColLinkPersonID, runfolder.ColLinkMatchProbability})
	counts := map[string]int{}
	for _, r := range sector {
		ps := persons[r.cluster]
		v, p := runfolder.VerdictNotFound, ""
		switch len(ps) {
		case 0:
		case 1:
			v, p = runfolder.VerdictLinked, ps[0]
		default:
			v = runfolder.VerdictAmbiguous
		}
		counts[v]++
		w.Write([]string{r.id, v, p, "0"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "runlinks: %d %s rows: %v\n", len(sector), source, counts)
	return f.Close()
}

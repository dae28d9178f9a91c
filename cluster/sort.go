package cluster

// sortEdges sorts edges by (w, a, b) with an LSD radix sort, 8 bits per
// pass over the 12 key bytes, b's bytes first. Passes whose byte is constant
// are skipped. It allocates one scratch copy and returns the sorted slice.
func sortEdges(e []edge) []edge {
	n := len(e)
	if n < 2 {
		return e
	}
	var counts [12][256]int
	for i := range e {
		x := &e[i]
		b, a, w := uint32(x.b), uint32(x.a), x.w
		counts[0][byte(b)]++
		counts[1][byte(b>>8)]++
		counts[2][byte(b>>16)]++
		counts[3][byte(b>>24)]++
		counts[4][byte(a)]++
		counts[5][byte(a>>8)]++
		counts[6][byte(a>>16)]++
		counts[7][byte(a>>24)]++
		counts[8][byte(w)]++
		counts[9][byte(w>>8)]++
		counts[10][byte(w>>16)]++
		counts[11][byte(w>>24)]++
	}
	var scratch []edge
	src := e
	for pass := 0; pass < 12; pass++ {
		c := &counts[pass]
		shift := 8 * uint(pass%4)
		if c[byte(field(&src[0], pass/4)>>shift)] == n {
			continue // constant byte: order unchanged
		}
		if scratch == nil {
			scratch = make([]edge, n)
		}
		var offs [256]int
		sum := 0
		for d := 0; d < 256; d++ {
			offs[d] = sum
			sum += c[d]
		}
		dst := scratch
		// One loop per field keeps the inner loop free of branches.
		switch pass / 4 {
		case 0:
			for i := range src {
				d := byte(uint32(src[i].b) >> shift)
				dst[offs[d]] = src[i]
				offs[d]++
			}
		case 1:
			for i := range src {
				d := byte(uint32(src[i].a) >> shift)
				dst[offs[d]] = src[i]
				offs[d]++
			}
		default:
			for i := range src {
				d := byte(src[i].w >> shift)
				dst[offs[d]] = src[i]
				offs[d]++
			}
		}
		src, scratch = dst, src
	}
	return src
}

// field returns the sort field f of x: 0 = b, 1 = a, 2 = w.
func field(x *edge, f int) uint32 {
	switch f {
	case 0:
		return uint32(x.b)
	case 1:
		return uint32(x.a)
	}
	return x.w
}

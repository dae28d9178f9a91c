package normalize

// RecordInput holds the raw person fields of one input row. Any may be
// empty (missing).
type RecordInput struct {
	FullName, DOB, Gender, NationalID, Phone []byte
	// Encoding is the legacy encoding Text found in another field of the
	// row (its addresses), or EncodingNone: the name is read with it as
	// a hint (see NameHint).
	Encoding Encoding
}

// Record is a normalized person record with its combined quality flags.
// Name's slices point into the Normalizer (valid until its next call).
// Only tests use it: programs normalize rows with RowNormalizer.
type Record struct {
	Name   Name
	DOB    Date
	Gender Gender
	ID     ID
	Phone  Phone
	// Flags is the union of the fields' flags, the ID consistency checks
	// and the completeness reasons (Flags.Correct, Flags.Complete).
	Flags Flags
}

// Record normalizes the person fields of one row field by field, the way
// RowNormalizer does with the hint given, for the tests that dump each
// parser's output (digests, the name memo, the fuzzer). TestRecordRow
// checks it against RowNormalizer.
func (n *Normalizer) Record(in RecordInput) *Record {
	r := &Record{}
	r.Name = n.nameMemoized(in.FullName, in.Encoding)
	r.DOB = ParseDate(in.DOB, DateOptions{RefYear: n.opt.RefYear})
	r.Gender = ParseGender(in.Gender)
	r.ID = ParseID(in.NationalID)
	r.Phone = ParsePhone(in.Phone)
	f := r.Name.Flags | r.DOB.Flags | r.ID.Flags | r.Phone.Flags
	switch r.Gender {
	case GenderUnknown:
		f |= FlagGenderMissing
	case GenderInvalid:
		f |= FlagGenderInvalid
	}
	f |= CheckIDConsistency(r.ID, r.DOB, r.Gender)
	if r.ID.Kind == IDCCCD && n.opt.RefYear > 0 && int(r.ID.BirthYear) > n.opt.RefYear {
		f |= FlagIDFutureYear
	}
	r.Flags = f
	return r
}

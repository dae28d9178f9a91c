// Package verify checks SIM-subscriber lists against a population register
// (dedup verify): a verdict per subscription with its evidence, SIM counts
// per ID number against the legal limits, a summary per carrier.
//
// # Register
//
// The register is a nightly run's state folder (stateregister.go: its
// records, their person IDs and their input cells from the state's raw
// segments), raw extracts (dedup gen's population files: one row per
// record, a person may have several) or a dedup run golden.parquet (one
// row per citizen), told apart by the state's pointer and the columns
// (cluster_id and member_ids make a golden output). A state's records and
// a golden register with person_id (a run with --state) carry person IDs;
// raw extracts have none: there the person is the record. It is held in memory as columns: per
// row the record (or golden cluster) id, the normalized name forms, the
// packed date of birth, the ID number packed into a uint64 (kind in the top
// bits, digits below: no hash collisions), the phone, and, where the
// register has the optional columns gender and province_code (the record's
// pre-2025 GSO province code, as dedup gen writes it), those, with three
// radix-sorted (key, row) indexes: ID; (folded family + given name, birth
// year); phone. A register date with an impossible part (month 78) keeps
// only its possible parts and is compared as a partial date.
//
// A golden register's columns are named after the run's fields (the job
// config's fields: section, given with --config; config.Default()'s
// otherwise): name, date of birth, ID, phone and gender are the fields of
// kinds person_name, date, national_id, phone and gender (a column named
// as in Config.Columns wins). It has no record province code; the 2025
// province of its first address field stands in, compared at the 2025
// provinces' grain (an old province counts as the 2025 one it merged into).
//
// # Carriers and subscriptions
//
// A list's carrier column names each row's network; CarrierName folds the
// ways one network is written (case, diacritics, spacing, words such as
// Mobile or Telecom, aliases from refdata.MobilePrefixes: "Viettel Mobile"
// is Viettel, "Gtel" Gmobile). An empty cell is CarrierUnknown: the row is
// verified and counts towards the total limit, but towards no network's.
// A list without a carrier column is, by convention, one network's list
// named by its file name (viettel.parquet). A row whose carrier and
// subscription id an earlier row has (in file order over all lists) is
// rejected as subscription_id_duplicate and left out of the SIM counts.
//
// # Verdicts
//
// Each subscription is normalized (normalize.ParseID, Normalizer.Name,
// ParseDate, ParsePhone) and compared with the linkage kernels
// (CompareName, CompareDate, CompareID). Field agreement:
//
//   - name agrees when CompareName gives one of its normalization levels
//     (exact, no diacritics, regional variant, token order, middle name
//     dropped or abbreviated), or when it is a typo away: at most one edit
//     of the folded name, letters or token-sorted (a typo can make the
//     name parser reorder a name), or two from 10 letters when they fall
//     on different words (a slip on each side; two edits inside one word
//     make another name: Lý → Lâm).
//   - date of birth agrees when equal, day and month swapped (one written
//     date read two ways), equal as far as a partial date goes (a
//     year-only register record; an impossible one keeps its possible
//     parts, and a month read first only because the other part cannot be
//     a month is dropped), or one digit off where the register's year
//     contradicts the birth year its own CCCD encodes while the
//     subscription's agrees with it. Any other difference is a mismatch:
//     the register is the reference.
//
// The verdicts, decided in this order:
//
//   - unusable: no ID and no name, an unreadable date of birth, no msisdn
//     or one that is not a phone number (reason column).
//   - ID on the register: all rows with that ID are one citizen and all
//     are evidence. match when the name agrees on some row and the date of
//     birth on some row (a clerk's slip on one record is not a mismatch);
//     a date agreeing only as far as a partial record goes does not count
//     when another record of the citizen holds a full date that disagrees.
//     When the name differs, other_person when the citizen these name and
//     date describe (sameCitizen below) holds another ID (matched_id; the
//     ID's holder is id_holder_id), or when the holder's date also differs
//     beyond a one-digit slip or a swap (id:holder_differs: the ID is
//     someone else's, whoever the subscriber is). Else mismatch, with
//     mismatch_fields (name, dob) and differences saying how (name:typo,
//     dob:one_digit, dob:year…).
//   - ID not on the register, but a citizen with the subscription's name
//     and date of birth (name equal after normalization or a typo away and
//     the full date equal or swapped, or the register holding the msisdn
//     with the date agreeing): rows holding another ID of the
//     subscription's kind, more than one digit away, are other citizens
//     (and so is a row without an ID sharing a phone with one of them).
//     match when a citizen remains, holding no ID, the other kind (old CMND
//     for a CCCD) or the ID with a one-digit slip (differences
//     id:register_missing, id:register_other_kind, id:register_typo), and
//     something beyond the name and date backs the row: the msisdn on it,
//     the one-digit slip, or the ID's own digits — for a CCCD the gender
//     (digit 4: a row giving the other one is another person) and the
//     province (digits 1–3) being the row's province_code or its CMND's
//     issuing province, or the province of the subscription's registered
//     address (optional column registered_address) being the row's. Name
//     and date alone name nobody: at 10M people, namesakes born the same
//     day abound, and a made-up ID under a real name would become theirs.
//     Unless the subscription's CCCD encodes another birth year: then the
//     ID is not theirs, other_person — or, when a citizen of the CCCD's
//     birth year spelling the name the same, holding no ID (or the other
//     kind, or a one-digit slip), has a full date one slip (year, month
//     or day) from the written one and is backed as above, mismatch on
//     dob naming them: a wrong year of birth, and the namesake born on
//     the written date a coincidence. other_person also when only holders
//     of other IDs fit and the phone or the CCCD's year says the ID is not
//     theirs (id:not_on_register); id_invalid when the subscription has no
//     ID or a malformed one. Several citizens so backed (rows holding
//     different IDs of one kind) are a tie: tie is set, nobody is named.
//   - the citizen with another date of birth, found through the ID's
//     one-digit slip, the same phone (on a row not holding another ID of
//     the subscription's kind nor a gender its CCCD contradicts: a
//     namesake sharing a family line), or the birth year the CCCD
//     encodes: mismatch on dob.
//   - the citizen with another date of birth, found through what the
//     CCCD's digits encode, when nothing else is left (the register's
//     records of the citizen hold no ID, or only the old CMND, and the
//     date is wrong): the province of birth registration (digits 1–3,
//     "0" + GSO code), the gender (digit 4, with the century) and the
//     birth year (digits 5–6). The rows spelling the name the same
//     (equal canonical forms, or equal folded ones where a side has no
//     diacritics at all) in that birth year are searched; rows holding
//     another CCCD are other citizens, and so are rows without an ID
//     sharing one's full date or phone (its own records without the ID).
//     Of the rest, the rows whose full date is one slip from the
//     subscription's (one of year, month and day differs: a made-up
//     identity's date agrees with a namesake's only in the year searched
//     on) must be one citizen (at most one CMND, one full date of birth:
//     two are a tie, and name nobody), every row giving a gender gives the
//     CCCD's and one does, and one row's province_code, or its CMND's
//     issuing province (first two digits, where refdata's partial list
//     knows them), is the CCCD's (or the province of the subscription's
//     address): a CMND from another province is no evidence either way
//     (people move). Then mismatch on dob (differences
//     id:register_missing or id:register_other_kind). A made-up CCCD
//     under a real name passes only for a namesake of the same year,
//     gender and province holding no CCCD, with a date one slip from the
//     made-up one, the only one on the register; a register without
//     gender and province_code leaves it id_not_found.
//   - id_invalid: no ID (id_missing), not a CCCD/CMND structure
//     (id_invalid_structure), or a CCCD whose birth-year digits contradict
//     the date of birth (id_dob_mismatch).
//   - phone_other_name: the ID is nowhere, and the msisdn is a register
//     phone of a citizen under another name (phone_owner_id).
//   - id_not_found: a well-formed ID nobody on the register holds.
//
// Candidates without the ID are searched on three keys: (folded family +
// given name, birth year), the phone, and, when these find nobody, the
// second search for a name with a slip in one part on either side:
// (folded given name, full date) and (folded family and middle names,
// full date).
//
// The person decides, not one record: all rows of an ID are evidence
// (above), with, where the register knows persons, every record of the
// persons holding the ID (Checker.personRows; rows of one person that
// fit are one citizen, never a tie), and so are the other subscriptions on the ID (in all lists,
// repeats left out). When another gives the same full date of birth and
// the ID's record is one digit from it while the name agrees, the slip
// is the register's: match, differences dob:register_slip, evidence
// subscriptions, register_inconsistent (unless the subscription's CCCD
// encodes another birth year: then it sides with the record). When
// another spells the name alike and the record's name is two letter
// edits from it, the name is the register's slip: match when the date
// agrees, else mismatch on dob alone (name:register_slip). A register
// year nobody can have (before 1900, after the reference year) that one
// changed digit makes possible is read so (dob:register_typo). A
// subscription date with all its parts but no calendar date (31/04)
// given with an ID on the register is that citizen's wrong date:
// mismatch on dob (dob:impossible); with any other ID, unusable. A
// register date read month first only because its second part cannot
// be a month (05/20/1950) keeps its year alone. The ID and the full
// date on one record name the citizen whatever the middle name and a
// slip (name:middle_typo). When the register holds neither the ID nor
// the date, another subscription on the ID giving the name with another
// full date that names a backed citizen (as in the not-found rules
// below) makes this one theirs with a wrong date (mismatch on dob,
// evidence subscriptions).
//
// Column evidence says what decided (Evidence* constants) and
// register_inconsistent whether the register contradicts itself for the
// person on a field the verdict turns on (its records disagree on a
// mismatched field, or a register_slip).
//
// One subscription maps to at most one citizen. Rows agreeing with the
// identity are one citizen unless they hold IDs of one kind more than one
// digit apart; when several citizens fit, tie is set, candidates counts
// them and nobody is named.
//
// verdict_code qualifies the verdict for scoring and filtering:
// verdict[:fields][/over_limit], e.g. mismatch:dob, match/over_limit;
// match:dob_partial is a match whose date of birth the register confirms
// only in part (a year-only or impossible register date, none, or a
// year-only subscription date): the day or month cannot be checked.
//
// # Expected verdicts on generated data
//
// For dedup gen's subscriber cases (truth/subscribers.parquet), as in
// eval.DefaultExpectedVerdicts: correct → match; typo → match (or
// mismatch:name when the register's record has its own slip); wrong_dob →
// mismatch:dob (or match:dob_partial: the register holds only the year, so
// the wrong part cannot be seen; when the register holds neither the ID
// nor the right date, the CCCD's province, gender and year name the
// citizen, and where they do not, the subscription is id_not_found: its
// name and the CCCD's birth year alone would name namesakes);
// other_person_id → other_person; nonexistent_id →
// id_not_found; sim_farm → any verdict with /over_limit;
// phone_other_name → phone_other_name when the register holds the phone,
// id_not_found when it does not (then nothing tells it from a made-up ID).
// Subscriptions of a person who also holds a SIM farm carry /over_limit.
//
// # SIM limits
//
// Subscriptions are counted per ID number, per carrier and in total, in a
// first pass over the ID and carrier columns. Limits (Config, the verify
// section of a job config, or flags) default to refdata.SIMRules: R1, 3
// prepaid numbers per network per ID (Thông tư 04/2012/TT-BTTTT Điều 9
// khoản 1, high confidence) and R6, 10 numbers in total (Nghị định
// 163/2024/NĐ-CP as reported in the press, low confidence). An ID over
// either is listed in ids.parquet with its counts per carrier and the rule
// ids, and each of its subscriptions has over_limit and limit_rules.
//
// # Memory
//
// A register over the memory budget (Options.MemoryLimit, ForceSpill) is
// normalized once into a file in a temporary folder, removed when Run
// returns, and the lists are taken in partitions of consecutive rows: for
// each, the file is read once and the rows its checks' lookups would
// return are kept (partition.go); the verdicts are those of the
// in-memory run, byte for byte.
//
// # Outputs
//
// verdicts.parquet (one row per subscription, in input order whatever the
// worker count; person_id is the person of matched_id, msisdn the list's), ids.parquet (counts as int32), rejects.parquet (run's
// schema, runfolder.RejectsSchema: source "register" or "subscribers",
// file, row, column, reason; the register's reader rejects, then the
// lists' rows without or repeating a subscription id, then the lists'
// reader rejects), summary.json and manifest.json, all written atomically
// with mode 0600. For every carrier list, rows in = verdicts + rejects.
package verify

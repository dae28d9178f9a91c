// Package runfolder is the format of a `dedup run` output folder: its file
// names, the columns other packages read by name, manifest.json and its
// reader, and the masking of ID and phone numbers that every tool showing
// a run's values applies.
//
// The pipeline writes a run folder; report, explain, eval and verify read
// it. They meet here rather than in pipeline so that a reader does not
// import the engine to learn a file name, and so that one reader of the
// manifest serves them all. The package is a leaf: it imports the
// standard library and arrow (for the schemas) only.
package runfolder

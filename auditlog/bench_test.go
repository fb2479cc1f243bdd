package auditlog

import "testing"

// The benchmarks parse the real samples line by line and encode each
// event with AppendJSONFieldsInString, which is what the agent does
// before shipping; they report lines/s. Run with -cpu 1 for the one-core
// figure.

func benchLines(b *testing.B, lines []string, parse func(string) (*Event, error)) {
	b.ReportAllocs()
	n := 0
	var buf []byte
	for b.Loop() {
		for _, l := range lines {
			e, err := parse(l)
			if err != nil {
				b.Fatal(err)
			}
			if buf, _, err = e.AppendJSONFieldsInString(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(lines)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkParseMariaDB(b *testing.B) {
	benchLines(b, readLines(b, "testdata/mariadb_server_audit.log"), func(l string) (*Event, error) {
		return ParseMariaDB(l, MariaDBOptions{})
	})
}

func BenchmarkParsePostgresStderr(b *testing.B) {
	p := mustPrefix(b, samplePrefix)
	benchLines(b, stderrRecords(readLines(b, "testdata/postgres_pgaudit_stderr.log")), func(r string) (*Event, error) {
		return ParsePostgresStderr(r, p, PostgresOptions{})
	})
}

func BenchmarkParsePostgresCSV(b *testing.B) {
	benchLines(b, csvRecords(readLines(b, "testdata/postgres_pgaudit_csvlog.csv")), func(r string) (*Event, error) {
		return ParsePostgresCSV(r, PostgresOptions{})
	})
}

func BenchmarkParsePostgresJSON(b *testing.B) {
	benchLines(b, readLines(b, "testdata/postgres_pgaudit_jsonlog.json"), func(r string) (*Event, error) {
		return ParsePostgresJSON(r, PostgresOptions{})
	})
}

package chunk

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The codecs are shared by every call. klauspost's Encoder.EncodeAll and
// Decoder.DecodeAll are safe for concurrent use and keep GOMAXPROCS
// workers inside, so sharing them reuses their tables and windows rather
// than allocating megabytes per chunk. They are built on first use so that
// a binary that never touches chunks pays nothing.
var (
	// ingestEncoder runs on the ingest path, where a batch is acknowledged
	// only after its chunk is committed: the fastest level. On the test
	// corpus SpeedDefault compressed barely 1% smaller at two thirds of
	// the speed (see BenchmarkLevels).
	ingestEncoder = sync.OnceValue(func() *zstd.Encoder { return newEncoder(zstd.SpeedFastest) })
	// mergeEncoder runs in the background compactor, which can afford a
	// slower level for the chunks that stay on disk for the retention
	// period: on the test corpus, in 1 MiB blocks, SpeedBestCompression
	// stores 3.5% fewer bytes than SpeedBetterCompression (14.2% of the
	// raw bytes rather than 14.7%, with filters) at under half its speed,
	// about 40 MB/s of messages on one core here.
	//
	// At that level each of klauspost's concurrent encoders keeps about
	// 50 MB of tables once used, and the compactor merges one run at a
	// time: one encoder, with a window of a block (a block's frame never
	// refers further back), keeps the server's resident memory down
	// (40 MB retained rather than 106 MB with GOMAXPROCS=2).
	mergeEncoder = sync.OnceValue(func() *zstd.Encoder {
		return newEncoder(zstd.SpeedBestCompression, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	})
	// columnEncoder compresses a block's columns, in frames of their own
	// (see builder.seal). At the fastest level zstd stores a block in
	// which it finds no match uncompressed, as the times column usually
	// is (its deltas hardly repeat); entropy-coding its literals anyway
	// halves it (0.27% of the raw bytes rather than 0.51% on the corpus),
	// and the columns are a few bytes an event, so it costs little time.
	columnEncoder = sync.OnceValue(func() *zstd.Encoder {
		return newEncoder(zstd.SpeedFastest, zstd.WithAllLitEntropyCompression(true))
	})
	decoder = sync.OnceValue(newDecoder)
)

func newEncoder(level zstd.EncoderLevel, opts ...zstd.EOption) *zstd.Encoder {
	enc, err := zstd.NewWriter(nil, append([]zstd.EOption{
		zstd.WithEncoderLevel(level),
		zstd.WithEncoderCRC(true),
	}, opts...)...)
	if err != nil {
		panic(fmt.Sprintf("BUG: zstd encoder options: %v", err))
	}
	return enc
}

func newDecoder() *zstd.Decoder {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(MaxSize),
		zstd.WithDecoderMaxWindow(MaxSize),
		// Decode into the capacity the header promises and not a byte
		// more, whatever the frame claims.
		zstd.WithDecodeAllCapLimit(true),
	)
	if err != nil {
		panic(fmt.Sprintf("BUG: zstd decoder options: %v", err))
	}
	return dec
}

// maxPooled is the largest buffer kept for reuse, in bytes; rarer giants
// are left to the garbage collector rather than pinned in a pool.
const maxPooled = 16 << 20

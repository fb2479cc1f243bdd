package storage

import (
	"encoding/binary"
	"math"
)

// decodeV1 appends the datums of a version 1 entry, b after its version
// byte, to ds. Version 1 wrote the number of datums as a uvarint, then
// per datum: namespace, name, encoded dimensions and unit, each as
// uvarint(len+1) and the bytes, or 0 when it equals the previous datum's;
// the resolution as a uvarint; the bucket start as a varint of Unix
// seconds; then the aggregate as appendAggregate writes it.
func (j *MetricJournal) decodeV1(ds []journalDatum, b []byte) ([]journalDatum, error) {
	count, k := binary.Uvarint(b)
	// Every datum takes at least 39 bytes, which bounds a count that
	// could be believed.
	if k <= 0 || count > uint64(len(b))/39 {
		return ds, ErrCorruptJournal
	}
	b = b[k:]
	var prev [4]string
	for n := uint64(0); len(b) > 0; n++ {
		if n == count {
			return ds, ErrCorruptJournal
		}
		var fields [4]string
		for f := range fields {
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k)+1 || (l == 0 && n == 0) {
				return ds, ErrCorruptJournal
			}
			b = b[k:]
			if l == 0 {
				fields[f] = prev[f]
				continue
			}
			raw := b[:l-1]
			b = b[l-1:]
			fields[f] = j.str(raw)
		}
		prev = fields
		res, k := binary.Uvarint(b)
		if k <= 0 || res > math.MaxInt32 {
			return ds, ErrCorruptJournal
		}
		b = b[k:]
		ts, k := binary.Varint(b)
		if k <= 0 {
			return ds, ErrCorruptJournal
		}
		b = b[k:]
		d := journalDatum{key: BucketKey{Namespace: fields[0], Name: fields[1], Dims: fields[2], Unit: fields[3],
			Resolution: int(res), Time: ts}}
		var err error
		if b, err = j.decodeAggregate(&d, b); err != nil {
			return ds, err
		}
		ds = append(ds, d)
	}
	if uint64(len(ds)) != count {
		return ds, ErrCorruptJournal
	}
	return ds, nil
}

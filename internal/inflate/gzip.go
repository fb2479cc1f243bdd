package inflate

import (
	"encoding/binary"
	"hash/crc32"
)

// gzip header flags (RFC 1952 §2.3.1).
const (
	gzipFHCRC    = 1 << 1
	gzipFEXTRA   = 1 << 2
	gzipFNAME    = 1 << 3
	gzipFCOMMENT = 1 << 4
	gzipReserved = 0xe0
)

// maxGzipString is compress/gzip's bound on the file name and comment,
// with their terminating zero: longer ones are refused there, so here too.
const maxGzipString = 512

// gzipHeader reads a member header (RFC 1952 §2.3) and checks what
// compress/gzip checks: magic, method 8, no reserved flags, the header
// CRC when there is one.
func (d *Decoder) gzipHeader() error {
	var h [10]byte
	if err := d.readBytes(h[:]); err != nil {
		return err
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
		return errHeader
	}
	flg := h[3]
	crc := crc32.ChecksumIEEE(h[:])
	if flg&gzipFEXTRA != 0 {
		var x [2]byte
		if err := d.readBytes(x[:]); err != nil {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, x[:])
		// Skipped through a small buffer: the field is up to 64 KB.
		var buf [256]byte
		for n := int(binary.LittleEndian.Uint16(x[:])); n > 0; {
			k := min(n, len(buf))
			if err := d.readBytes(buf[:k]); err != nil {
				return err
			}
			crc = crc32.Update(crc, crc32.IEEETable, buf[:k])
			n -= k
		}
	}
	for _, f := range []byte{gzipFNAME, gzipFCOMMENT} {
		if flg&f == 0 {
			continue
		}
		var b [1]byte
		for i := 0; ; i++ {
			if i == maxGzipString {
				return errHeader
			}
			if err := d.readBytes(b[:]); err != nil {
				return err
			}
			crc = crc32.Update(crc, crc32.IEEETable, b[:])
			if b[0] == 0 {
				break
			}
		}
	}
	if flg&gzipFHCRC != 0 {
		var x [2]byte
		if err := d.readBytes(x[:]); err != nil {
			return err
		}
		if binary.LittleEndian.Uint16(x[:]) != uint16(crc) {
			return errHeader
		}
	}
	if flg&gzipReserved != 0 {
		return errHeader
	}
	return nil
}

// gzipTrailer checks the CRC-32 and size that follow the compressed data
// (RFC 1952 §2.3.1).
func (d *Decoder) gzipTrailer() error {
	d.alignByte()
	var t [8]byte
	if err := d.readBytes(t[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(t[:4]) != d.crc || binary.LittleEndian.Uint32(t[4:]) != d.size {
		return errChecksum
	}
	return nil
}
